/**
 * `pnpm bench:table`: regenerates the region of docs/performance.md between
 * `<!-- bench-table:start -->` and `<!-- bench-table:end -->` (under "Targets") from a results
 * JSON of `pnpm bench`: headline figures per workload and server, and issue 21's goals met or
 * not per socket layer (performance-table-render.ts).
 *
 *   --from <file>  the results JSON (default: the newest bench/results/YYYY-MM-DD.json by name)
 *   --doc <file>   the doc to rewrite (default docs/performance.md)
 *   --check        change nothing; exit 1 when the doc's region is not what would be generated
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import { parseArgs } from 'node:util'
import { newestResults, renderBenchTable, replaceRegion } from './performance-table-render.js'
import type { BenchResult } from './result.js'

const ROOT = join(import.meta.dirname, '..', '..')
const RESULTS = join(ROOT, 'bench', 'results')

const { values } = parseArgs({
  options: {
    from: { type: 'string' },
    doc: { type: 'string' },
    check: { type: 'boolean', default: false },
  },
})

function fail(message: string, code = 2): never {
  process.stderr.write(`bench:table: ${message}\n`)
  process.exit(code)
}

function sourceFile(): string {
  if (values.from !== undefined) return resolve(values.from)
  const newest = newestResults(readdirSync(RESULTS))
  if (newest === undefined) fail(`no YYYY-MM-DD.json in ${RESULTS}; run pnpm bench or pass --from`)
  return join(RESULTS, newest)
}

const from = sourceFile()
const docPath =
  values.doc === undefined ? join(ROOT, 'docs', 'performance.md') : resolve(values.doc)
const source = relative(ROOT, from).split(sep).join('/')

let run: BenchResult
try {
  run = JSON.parse(readFileSync(from, 'utf8')) as BenchResult
} catch (error) {
  fail(`cannot read ${from}: ${(error as Error).message}`)
}
const doc = readFileSync(docPath, 'utf8')
let next: string
try {
  next = replaceRegion(doc, renderBenchTable(run, source))
} catch (error) {
  fail(`${docPath}: ${(error as Error).message}`)
}

if (values.check) {
  if (next !== doc) {
    fail(
      `${relative(ROOT, docPath)}'s bench table is not what ${source} gives: ` +
        `run pnpm bench:table${values.from === undefined ? '' : ` --from ${values.from}`}`,
      1,
    )
  }
  process.stdout.write(`bench:table: ${relative(ROOT, docPath)} is current with ${source}\n`)
} else if (next !== doc) {
  writeFileSync(docPath, next)
  process.stdout.write(`bench:table: wrote ${relative(ROOT, docPath)} from ${source}\n`)
} else {
  process.stdout.write(`bench:table: ${relative(ROOT, docPath)} already current with ${source}\n`)
}
