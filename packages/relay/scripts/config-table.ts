/**
 * Prints the relay's configuration table, or with `--write` rewrites it in README.md and
 * docs/operations.md (between the config-table markers).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { configTable, withConfigTable } from '../src/config-table.js'

export const CONFIG_DOCS = ['README.md', 'docs/operations.md'].map((p) =>
  fileURLToPath(new URL(`../../../${p}`, import.meta.url)),
)

if (process.argv.includes('--write')) {
  for (const file of CONFIG_DOCS) writeFileSync(file, withConfigTable(readFileSync(file, 'utf8')))
} else {
  console.log(configTable())
}
