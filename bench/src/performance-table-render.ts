/**
 * The generated region of docs/performance.md's "Targets" (between `<!-- bench-table:start -->`
 * and `<!-- bench-table:end -->`): headline figures per workload of one `pnpm bench` results
 * JSON, one column per server and a ratio to the reference, then issue 21's goals computed
 * from them, met or not per socket layer of the relay. Pure functions; the CLI that reads the
 * JSON and rewrites or checks the doc is performance-table.ts.
 */
import { WORKLOADS, type WorkloadName } from './config.js'
import { SERVER_KINDS, type ServerKind, type SightlineKind } from './generator-protocol.js'
import type { BenchResult } from './result.js'
import type { CapacityResult } from './workloads/capacity.js'
import type { ChurnFigures } from './workloads/churn.js'
import type { HotRoomResult } from './workloads/hot-room.js'
import type { RestartStormResult } from './workloads/restart-storm.js'
import type { SteadyResult } from './workloads/steady.js'

export const START_MARKER = '<!-- bench-table:start -->'
export const END_MARKER = '<!-- bench-table:end -->'

type Figure = number | string | null | undefined
type Row<T> = readonly [label: string, pick: (r: T, run: BenchResult) => Figure]

/** Server CPU per join, ms: the churn window's CPU (joins and their leaves) over its joins. */
export function cpuMsPerJoin(r: ChurnFigures, run: BenchResult): number | null {
  const joins = (r.joinsPerSec * run.config.churn.durationMs) / 1000
  const cpuMs = r.server?.cpuMs
  return joins > 0 && typeof cpuMs === 'number' ? cpuMs / joins : null
}

const steadyRows: Row<SteadyResult>[] = [
  ['deliveries per server CPU-second', (r) => r.window?.deliveriesPerCpuSecond],
  ['latency p99 ms', (r) => r.window?.latency?.p99Ms],
  ['RSS per connection after GC KB', (r) => r.memoryAfterGc?.rssPerConnectionKB],
]

const hotRoomRows: Row<HotRoomResult>[] = [
  ['deliveries per server CPU-second', (r) => r.window?.deliveriesPerCpuSecond],
  ['latency p99 ms', (r) => r.window?.latency?.p99Ms],
]

const churnRows: Row<ChurnFigures>[] = [
  ['server CPU ms per join (join and leave)', cpuMsPerJoin],
  ['connect p99 ms', (r) => r.connectLatency?.p99Ms],
]

const restartRows: Row<RestartStormResult>[] = [
  ['restored', (r) => (r.restored ? 'yes' : `no (${r.missing} missing)`)],
  ['restored after kill ms', (r) => r.restoredAfterKillMs],
  ['restored after listen ms', (r) => r.restoredAfterListenMs],
  ['failed reconnect attempts', (r) => r.reconnectFailures],
]

const capacityRows: Row<CapacityResult>[] = [
  ['max tabs with p99 under the limit', (r) => r.maxTabsUnderLimit],
  ['stopped by', (r) => r.stoppedBy],
  ['last step RSS/conn after GC KB', (r) => r.steps?.at(-1)?.memoryAfterGc?.rssPerConnectionKB],
]

const HEADLINES: Record<WorkloadName, readonly Row<never>[]> = {
  steady: steadyRows as Row<never>[],
  'hot-room': hotRoomRows as Row<never>[],
  churn: churnRows as Row<never>[],
  'restart-storm': restartRows as Row<never>[],
  capacity: capacityRows as Row<never>[],
}

/** A figure as the doc shows it: thousands separated, three significant digits or so. */
export function formatFigure(v: Figure): string {
  if (v === null || v === undefined) return '-'
  if (typeof v === 'string') return v
  if (!Number.isFinite(v)) return String(v)
  const abs = Math.abs(v)
  if (abs >= 1000) return Math.round(v).toLocaleString('en-US')
  if (Number.isInteger(v) || abs >= 100) return v.toFixed(0)
  return abs >= 10 ? v.toFixed(1) : v.toFixed(2)
}

const ratioOf = (a: Figure, b: Figure): number | null =>
  typeof a === 'number' && typeof b === 'number' && b !== 0 ? a / b : null

const formatRatio = (r: number | null): string =>
  r === null ? '-' : `${r !== 0 && Math.abs(r) < 0.1 ? r.toPrecision(2) : r.toFixed(2)}x`

/** A markdown table; `numeric` right-aligns every column but the first. */
function tableLines(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  numeric: boolean,
): string[] {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`
  const rule = header.map((_, i) => (i === 0 || !numeric ? '---' : '---:'))
  return [line(header), line(rule), ...rows.map(line)]
}

/** The headline table of one workload: every server kind, and each one's ratio to the reference. */
export function workloadTable(run: BenchResult, workload: WorkloadName): string[] {
  const perServer = run.workloads[workload]
  if (perServer === undefined) return [`**${workload}**: not run`]
  const others = SERVER_KINDS.filter((k) => k !== 'reference')
  const header = ['figure', ...SERVER_KINDS, ...others.map((k) => `${k} / reference`)]
  const rows = HEADLINES[workload].map(([label, pick]) => {
    const cell = (k: ServerKind): Figure | 'not run' =>
      perServer[k] === undefined ? 'not run' : pick(perServer[k] as never, run)
    const reference = perServer.reference === undefined ? undefined : cell('reference')
    const ratios = others.map((k) =>
      perServer[k] === undefined ? '-' : formatRatio(ratioOf(cell(k), reference)),
    )
    return [label, ...SERVER_KINDS.map((k) => formatFigure(cell(k))), ...ratios]
  })
  return [`**${workload}**`, '', ...tableLines(header, rows, true)]
}

/** A goal's outcome for one socket layer: `null` figures when the workload or a server did not run. */
export interface Verdict {
  readonly met: boolean
  readonly detail: string
}

export interface Goal {
  readonly text: string
  /** The socket layers the goal is set for (the others show their figure, marked as such). */
  readonly layers: readonly SightlineKind[]
  /** `'not run'` when the workload or one of the two servers is missing from the run. */
  evaluate(run: BenchResult, kind: SightlineKind): Verdict | 'not run' | 'no figure'
}

/** The figures of `kind` and of the reference in `workload`, or 'not run'. */
function pair<T>(run: BenchResult, workload: WorkloadName, kind: SightlineKind) {
  const perServer = run.workloads[workload]
  const s = perServer?.[kind] as T | undefined
  const ref = perServer?.reference as T | undefined
  return s === undefined || ref === undefined ? ('not run' as const) : { s, ref }
}

export const GOALS: readonly Goal[] = [
  {
    text: 'joins (churn): server CPU per join <= 0.8x the reference, connect p99 no worse',
    layers: ['sightline', 'sightline-uws'],
    evaluate(run, kind) {
      const p = pair<ChurnFigures>(run, 'churn', kind)
      if (p === 'not run') return p
      const cpu = ratioOf(cpuMsPerJoin(p.s, run), cpuMsPerJoin(p.ref, run))
      const [a, b] = [p.s.connectLatency?.p99Ms, p.ref.connectLatency?.p99Ms]
      if (cpu === null || typeof a !== 'number' || typeof b !== 'number') return 'no figure'
      return {
        met: cpu <= 0.8 && a <= b,
        detail: `${formatRatio(cpu)} CPU per join; connect p99 ${formatFigure(a)} vs ${formatFigure(b)} ms`,
      }
    },
  },
  {
    text: 'steady: deliveries per server CPU-second >= 1.5x the reference, p99 no worse',
    layers: ['sightline', 'sightline-uws'],
    evaluate(run, kind) {
      const p = pair<SteadyResult>(run, 'steady', kind)
      if (p === 'not run') return p
      const r = ratioOf(p.s.window?.deliveriesPerCpuSecond, p.ref.window?.deliveriesPerCpuSecond)
      const [a, b] = [p.s.window?.latency?.p99Ms, p.ref.window?.latency?.p99Ms]
      if (r === null || typeof a !== 'number' || typeof b !== 'number') return 'no figure'
      return {
        met: r >= 1.5 && a <= b,
        detail: `${formatRatio(r)} deliveries per CPU-s; p99 ${formatFigure(a)} vs ${formatFigure(b)} ms`,
      }
    },
  },
  {
    text: 'memory per connection after GC (steady) <= 0.5x the reference',
    layers: ['sightline-uws'],
    evaluate(run, kind) {
      const p = pair<SteadyResult>(run, 'steady', kind)
      if (p === 'not run') return p
      const [a, b] = [
        p.s.memoryAfterGc?.rssPerConnectionKB,
        p.ref.memoryAfterGc?.rssPerConnectionKB,
      ]
      const r = ratioOf(a, b)
      if (r === null) return 'no figure'
      return {
        met: r <= 0.5,
        detail: `${formatRatio(r)}: ${formatFigure(a)} vs ${formatFigure(b)} KB`,
      }
    },
  },
  {
    text: 'hot room: deliveries per server CPU-second >= 3x the reference',
    layers: ['sightline-uws'],
    evaluate(run, kind) {
      const p = pair<HotRoomResult>(run, 'hot-room', kind)
      if (p === 'not run') return p
      const [a, b] = [p.s.window?.deliveriesPerCpuSecond, p.ref.window?.deliveriesPerCpuSecond]
      const r = ratioOf(a, b)
      if (r === null) return 'no figure'
      return { met: r >= 3, detail: `${formatRatio(r)}: ${formatFigure(a)} vs ${formatFigure(b)}` }
    },
  },
]

/** One cell of the goals table. */
export function goalCell(goal: Goal, run: BenchResult, kind: SightlineKind): string {
  const v = goal.evaluate(run, kind)
  if (typeof v === 'string') return v
  if (!goal.layers.includes(kind)) return `not a goal for this layer (${v.detail})`
  return `${v.met ? '**met**' : '**not met**'} (${v.detail})`
}

export function goalsTable(run: BenchResult): string[] {
  const layers: readonly SightlineKind[] = ['sightline', 'sightline-uws']
  const rows = GOALS.map((g) => [g.text, ...layers.map((k) => goalCell(g, run, k))])
  return tableLines(['goal (issue 21)', 'ws (`sightline`)', 'uws (`sightline-uws`)'], rows, false)
}

/** The region's text, without the markers: `source` is the JSON's path as the doc names it. */
export function renderBenchTable(run: BenchResult, source: string): string {
  const m = run.machine
  const lines = [
    `Generated by \`pnpm bench:table\` from \`${source}\` (${run.mode} run, scale ${run.scale}, ` +
      `${run.date}; ${m.cpus} x ${m.cpuModel}, Node ${m.node}); do not edit it by hand: rerun ` +
      '`pnpm bench:table` after a bench run (`pnpm bench:table --check` fails when it is stale).',
    '',
    'Headline figures, each server in its own process, the ratio to the reference measured in ' +
      'the same run:',
  ]
  for (const workload of WORKLOADS) lines.push('', ...workloadTable(run, workload))
  lines.push('', "Issue 21's goals, computed from the figures above:", '', ...goalsTable(run))
  return `${lines.join('\n')}\n`
}

/** `doc` with the region between the markers replaced by `body`; throws without the markers. */
export function replaceRegion(doc: string, body: string): string {
  const lines = doc.split('\n')
  const start = lines.indexOf(START_MARKER)
  const end = lines.indexOf(END_MARKER)
  if (start < 0 || end < start) {
    throw new Error(`no "${START_MARKER}" line followed by an "${END_MARKER}" line`)
  }
  const inner = body.endsWith('\n') ? body.slice(0, -1) : body
  return [...lines.slice(0, start + 1), inner, ...lines.slice(end)].join('\n')
}

/** The newest `YYYY-MM-DD.json` among file names (by name), if any. */
export function newestResults(names: readonly string[]): string | undefined {
  return names
    .filter((n) => /^\d{4}-\d{2}-\d{2}\.json$/.test(n))
    .sort((a, b) => (a < b ? -1 : 1))
    .at(-1)
}
