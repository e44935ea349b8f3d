/**
 * The configuration tables in README.md and docs/operations.md are the generated one: a
 * variable added to EnvSchema (and so to --help) must reach the docs, with its real default.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CONFIG_DOCS } from '../scripts/config-table.js'
import { flags } from '../src/config/cli-args.js'
import { withConfigTable } from '../src/config/config-table.js'

describe.each(CONFIG_DOCS)('configuration table in %s', (file) => {
  const doc = readFileSync(file, 'utf8')

  it('matches EnvSchema (run `npx tsx --conditions=source packages/relay/scripts/config-table.ts --write`)', () => {
    expect(doc).toBe(withConfigTable(doc))
  })

  it('names every variable and flag', () => {
    for (const f of flags()) {
      expect(doc).toContain(`\`${f.variable}\``)
      expect(doc).toContain(`\`--${f.name}\``)
    }
  })
})
