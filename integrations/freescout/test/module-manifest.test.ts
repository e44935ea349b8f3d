/**
 * The module's manifest (module.json, read by FreeScout's Manage » Modules) agrees with the
 * project: its links point at the repository the packages name, and its version is the one in
 * the zip's name (scripts/build-freescout.mjs) and in the script URLs.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const read = (path: string) =>
  JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as Record<string, unknown>

const manifest = read('../module.json')
const relay = read('../../../packages/relay/package.json') as {
  repository: { url: string }
}
/** https://github.com/<owner>/<name> from `git+https://github.com/<owner>/<name>.git`. */
const repository = relay.repository.url.replace(/^git\+/, '').replace(/\.git$/, '')

describe('module.json', () => {
  it('links to the repository the packages name', () => {
    expect(repository).toMatch(/^https:\/\/github\.com\/[^/]+\/[^/]+$/)
    expect(manifest['authorUrl']).toBe(repository)
    expect(manifest['detailsUrl']).toBe(`${repository}/blob/main/docs/freescout.md`)
  })

  it('names the alias, provider and bootstrap file the module ships', () => {
    expect(manifest['alias']).toBe('sightline')
    expect(manifest['providers']).toEqual([
      'Modules\\Sightline\\Providers\\SightlineServiceProvider',
    ])
    expect(manifest['files']).toEqual(['start.php'])
    expect(manifest['version']).toMatch(/^\d+\.\d+\.\d+$/)
  })

  it("is the version docs/freescout.md's install and upgrade commands name", () => {
    const doc = readFileSync(new URL('../../../docs/freescout.md', import.meta.url), 'utf8')
    const named = [...doc.matchAll(/Sightline-(\d+\.\d+\.\d+)\.zip/g)].map((m) => m[1])
    expect(named.length).toBeGreaterThanOrEqual(3)
    expect(new Set(named)).toEqual(new Set([manifest['version']]))
  })
})
