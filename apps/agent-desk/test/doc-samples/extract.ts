/**
 * The code samples of the documentation, as the doc-samples test runs them.
 *
 * A fenced block is marked by an HTML comment on the line right above it (invisible on
 * GitHub), whose first line says how it runs:
 *
 *   <!-- sample: typecheck -->   TypeScript, type-checked with --strict against the workspace
 *   <!-- sample: node -->        JavaScript, run as an ES module in Node against a real relay
 *   <!-- sample: browser -->     a classic script, run in Chromium with the all-in-one bundle
 *   <!-- sample: not run: why -->  cannot run here; the reason stays in the doc
 *
 * More lines in the comment are what the sample needs around it: the lines before a `---`
 * line go in front of it (declarations, a token), the lines after it run after it (a check
 * that it did what it says). Every js/ts/tsx/html block of a checked document must carry a
 * marker, so a new sample cannot slip past.
 */

export type SampleKind = 'typecheck' | 'node' | 'browser' | 'not-run'

export interface Sample {
  /** `path:line` of the fence, for messages. */
  readonly where: string
  readonly lang: string
  readonly kind: SampleKind
  /** Why a `not-run` sample does not run. */
  readonly reason: string
  readonly code: string
  readonly before: string
  readonly after: string
}

/** Languages whose blocks must be marked. */
export const CODE_LANGUAGES: ReadonlySet<string> = new Set(['js', 'ts', 'tsx', 'html', 'mjs'])

const MARKER = /^<!--\s*sample:\s*(typecheck|node|browser|not run:\s*(.+?))\s*(?:-->\s*)?$/

/**
 * The marked samples of `markdown`, and the blocks in `CODE_LANGUAGES` that carry no marker
 * (as `path:line`).
 */
export function extractSamples(
  path: string,
  markdown: string,
): { samples: Sample[]; unmarked: string[] } {
  const lines = markdown.split('\n')
  const samples: Sample[] = []
  const unmarked: string[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)/.exec(lines[i] ?? '')
    if (open === null) continue
    const indent = open[1] ?? ''
    const lang = open[2] ?? ''
    const start = i
    const body: string[] = []
    for (i++; i < lines.length && !(lines[i] ?? '').startsWith(`${indent}\`\`\``); i++) {
      body.push((lines[i] ?? '').slice(indent.length))
    }
    const marker = markerAbove(lines, start)
    const where = `${path}:${start + 1}`
    if (marker === null) {
      if (CODE_LANGUAGES.has(lang)) unmarked.push(where)
      continue
    }
    samples.push({ where, lang, code: body.join('\n'), ...marker })
  }
  return { samples, unmarked }
}

/** The marker comment ending on the line above `fence`, or null. */
function markerAbove(
  lines: readonly string[],
  fence: number,
): Pick<Sample, 'kind' | 'reason' | 'before' | 'after'> | null {
  const last = fence - 1
  if (!(lines[last] ?? '').trimEnd().endsWith('-->')) return null
  let first = last
  while (first >= 0 && !(lines[first] ?? '').trimStart().startsWith('<!--')) first--
  if (first < 0) return null
  const comment = lines.slice(first, last + 1).map((l) => l.trim())
  const head = MARKER.exec(comment[0] ?? '')
  if (head === null) return null
  const inner = comment.slice(1, comment.length - (comment.length > 1 ? 1 : 0))
  if (comment.length > 1 && comment.at(-1) !== '-->') {
    throw new Error(`line ${last + 1}: end a multi-line sample comment with a line "-->"`)
  }
  const split = inner.indexOf('---')
  const before = split === -1 ? inner : inner.slice(0, split)
  const after = split === -1 ? [] : inner.slice(split + 1)
  const kind = (head[2] === undefined ? head[1] : 'not-run') as SampleKind
  return { kind, reason: head[2] ?? '', before: before.join('\n'), after: after.join('\n') }
}
