/**
 * Prints the relay's configuration table, or with `--write` rewrites it in README.md,
 * docs/operations.md and packages/relay/README.md (between the config-table markers).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { configTable, withConfigTable } from '../src/config/config-table.js'

export const CONFIG_DOCS = ['README.md', 'docs/operations.md', 'packages/relay/README.md'].map(
  (p) => fileURLToPath(new URL(`../../../${p}`, import.meta.url)),
)

if (process.argv.includes('--write')) {
  for (const file of CONFIG_DOCS) writeFileSync(file, withConfigTable(readFileSync(file, 'utf8')))
} else {
  console.log(configTable())
}
