/**
 * The configuration table of the docs (README.md, docs/operations.md, packages/relay/README.md),
 * generated from the settings table like `--help`, so the docs cannot drift from the code: a test compares the table
 * between the `config-table` markers of each doc with this, and
 * `npx tsx packages/relay/scripts/config-table.ts --write` rewrites them.
 */
import { flags } from './cli-args.js'
import { allowedOf, defaultText } from './option-table.js'

export const CONFIG_TABLE_START = '<!-- config-table:start -->'
export const CONFIG_TABLE_END = '<!-- config-table:end -->'

/** Markdown table: variable, flag, `createRelay` option, default, meaning (and what is allowed). */
export function configTable(): string {
  const rows = ['| variable | flag | option | default | meaning |', '|---|---|---|---|---|']
  for (const f of flags()) {
    const { option, description, kind } = f.setting
    const fallback = defaultText(f.setting)
    const meaning = [description, allowedOf(kind)].filter(Boolean).join('; ')
    rows.push(
      `| \`${f.variable}\` | \`--${f.name}\` | ${option ? `\`${option}\`` : '–'} | ${fallback === undefined ? '–' : `\`${fallback}\``} | ${meaning.replaceAll('|', '\\|')} |`,
    )
  }
  return rows.join('\n')
}

/** `doc` with the text between the markers replaced by the current table. */
export function withConfigTable(doc: string): string {
  const start = doc.indexOf(CONFIG_TABLE_START)
  const end = doc.indexOf(CONFIG_TABLE_END)
  if (start < 0 || end < start) throw new Error('config-table markers missing')
  return `${doc.slice(0, start + CONFIG_TABLE_START.length)}\n${configTable()}\n${doc.slice(end)}`
}
