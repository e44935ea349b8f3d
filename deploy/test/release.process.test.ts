/**
 * What a release relies on, checked without publishing anything: the licence and the publish
 * fields of each package (docs/releasing.md), and Changesets turning the pending changesets into
 * one shared version and a CHANGELOG entry per package, run in a copy of the workspace's
 * manifests so the real ones are never touched.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { repoRoot, run } from './support/commands.js'

const PUBLISHED = ['protocol', 'presence', 'relay', 'widget'] as const

interface Manifest {
  name: string
  version: string
  private?: boolean
  license?: string
  repository?: { type: string; url: string; directory: string }
  engines?: { node?: string }
  files?: string[]
  sideEffects?: boolean | string[]
  exports?: Record<string, string | Record<string, string>>
  publishConfig?: { access?: string }
}

const read = (path: string): Manifest =>
  JSON.parse(readFileSync(join(repoRoot, path), 'utf8')) as Manifest

/** Every package.json of the workspace (root, packages/*, apps/*, e2e, bench, deploy). */
function workspaceManifests(): string[] {
  const dirs = ['.', 'e2e', 'bench', 'deploy']
  for (const parent of ['packages', 'apps']) {
    for (const name of readdirSync(join(repoRoot, parent))) dirs.push(`${parent}/${name}`)
  }
  return dirs.map((d) => `${d}/package.json`).filter((p) => existsSync(join(repoRoot, p)))
}

describe('publishable packages', () => {
  it('the repository has a licence and every package.json names it', () => {
    expect(readFileSync(join(repoRoot, 'LICENSE'), 'utf8')).toMatch(/^MIT License/)
    for (const path of workspaceManifests()) expect(read(path).license, path).toBe('MIT')
  })

  for (const name of PUBLISHED) {
    it(`@sightline/${name} has what npm and its users need`, () => {
      const dir = `packages/${name}`
      const pkg = read(`${dir}/package.json`)
      expect(pkg.name).toBe(`@sightline/${name}`)
      expect(pkg.private).toBeUndefined()
      expect(pkg.publishConfig?.access).toBe('public')
      expect(pkg.engines?.node).toBe('>=20')
      expect(pkg.repository?.directory).toBe(dir)
      expect(pkg.repository?.url).toBe(read('packages/protocol/package.json').repository?.url)
      expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'CHANGELOG.md']))
      // The workspace resolves TypeScript sources first; everyone else built JS and .d.ts.
      const root = pkg.exports?.['.'] as Record<string, string>
      expect(Object.keys(root)).toEqual(['source', 'types', 'default'])
      expect(root['types']).toMatch(/^\.\/dist\/.*\.d\.ts$/)
      expect(root['default']).toMatch(/^\.\/dist\/.*\.js$/)
      expect(pkg.sideEffects).toBeDefined()
      const readme = readFileSync(join(repoRoot, dir, 'README.md'), 'utf8')
      expect(readme).toContain(`npm install @sightline/${name}`)
      expect(readme).toMatch(/```(ts|js|html)\n/)
      expect(readFileSync(join(repoRoot, dir, 'CHANGELOG.md'), 'utf8')).toMatch(
        new RegExp(`^# @sightline/${name}\\n`),
      )
    })
  }

  it('the widget’s bundles sit at the stable paths its docs and CDN fields promise', () => {
    const pkg = read('packages/widget/package.json') as Manifest & { unpkg?: string }
    expect(pkg.unpkg).toBe('./dist/sightline-widget.iife.js')
    expect(pkg.exports?.['./iife']).toBe('./dist/sightline-widget.iife.js')
    expect(pkg.exports?.['./embed/iife']).toBe('./dist/sightline.iife.js')
    expect(pkg.exports?.['./dist/*']).toBe('./dist/*')
  })
})

describe('changesets', () => {
  const work = mkdtempSync(join(tmpdir(), 'sightline-release-'))
  afterAll(() => rmSync(work, { recursive: true, force: true }))

  it('`changeset version` gives the published packages one new version and a changelog entry', async () => {
    // A copy of what `changeset version` reads and writes: manifests, changelogs, changesets.
    cpSync(join(repoRoot, '.changeset'), join(work, '.changeset'), { recursive: true })
    cpSync(join(repoRoot, 'pnpm-workspace.yaml'), join(work, 'pnpm-workspace.yaml'))
    for (const path of workspaceManifests()) {
      cpSync(join(repoRoot, path), join(work, path))
      const changelog = path.replace(/package\.json$/, 'CHANGELOG.md')
      if (existsSync(join(repoRoot, changelog)))
        cpSync(join(repoRoot, changelog), join(work, changelog))
    }
    const pending = readdirSync(join(work, '.changeset')).filter(
      (f) => f.endsWith('.md') && f !== 'README.md',
    )
    expect(pending.length, 'pending changesets').toBeGreaterThan(0)
    const before = read('packages/relay/package.json').version

    const cli = join(repoRoot, 'node_modules/@changesets/cli/bin.js')
    await run(process.execPath, [cli, 'version'], { cwd: work })

    const after = (p: string) => JSON.parse(readFileSync(join(work, p), 'utf8')) as Manifest
    const versions = PUBLISHED.map((n) => after(`packages/${n}/package.json`).version)
    expect(new Set(versions).size, `one version for all: ${versions}`).toBe(1)
    expect(versions[0]).not.toBe(before)
    for (const name of PUBLISHED) {
      const log = readFileSync(join(work, `packages/${name}/CHANGELOG.md`), 'utf8')
      expect(log).toMatch(new RegExp(`^# @sightline/${name}\\n\\n## ${versions[0]}\\n`))
    }
    // Private workspace packages are not versioned; the changesets are used up.
    expect(after('apps/agent-desk/package.json').version).toBe(
      read('apps/agent-desk/package.json').version,
    )
    expect(readdirSync(join(work, '.changeset')).filter((f) => pending.includes(f))).toEqual([])
  })
})
