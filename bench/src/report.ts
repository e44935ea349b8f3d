/**
 * The stdout table: one block per workload, one row per figure, a column per server and
 * the ratios of Sightline on each socket layer to every other server measured in the same
 * run (`S/reference`, `S/hocuspocus` for `ws`; `uws/reference`, `uws/hocuspocus` for
 * uWebSockets.js), then the figures that do not compare fairly and why (server-notes.ts).
 */

import type { WorkloadName } from './config.js'
import type { MemoryAfterGc, WindowFigures } from './figures.js'
import { isSightline, SERVER_KINDS, type ServerKind } from './generator-protocol.js'
import type { BenchResult } from './result.js'
import type { CapacityResult } from './workloads/capacity.js'
import type { ChurnFigures } from './workloads/churn.js'
import type { HotRoomResult } from './workloads/hot-room.js'
import type { RestartStormResult } from './workloads/restart-storm.js'
import type { SteadyResult } from './workloads/steady.js'

type Cell = number | string | null | undefined
type Row<T> = readonly [label: string, pick: (r: T) => Cell]

/** Figures of one measured window of activity, shown alike for every workload that has one. */
const windowRows: Row<{ readonly window: WindowFigures }>[] = [
  ['tabs open', (r) => r.window.tabs],
  ['changes/s', (r) => r.window.changesPerSec],
  ['delivered updates/s', (r) => r.window.deliveredPerSec],
  ['latency p50 ms', (r) => r.window.latency.p50Ms],
  ['latency p99 ms', (r) => r.window.latency.p99Ms],
  ['latency max ms', (r) => r.window.latency.maxMs],
  ['server CPU %', (r) => r.window.server.cpuPercent],
  ['deliveries per server CPU-s', (r) => r.window.deliveriesPerCpuSecond],
  ['generators CPU %', (r) => r.window.generatorsCpuPercent],
  ['server RSS MB', (r) => r.window.server.rssMB],
]

/** Server memory after GC (gc-probe.cjs), per connection against the after-GC baseline. */
function gcRows<T>(prefix: string, pick: (r: T) => MemoryAfterGc | undefined): Row<T>[] {
  return [
    [`${prefix}RSS after GC MB`, (r) => pick(r)?.rssMB],
    [`${prefix}RSS/conn after GC KB`, (r) => pick(r)?.rssPerConnectionKB],
    [`${prefix}heap+external/conn after GC KB`, (r) => pick(r)?.heapPerConnectionKB],
  ]
}

const steadyRows: Row<SteadyResult>[] = [
  ...windowRows,
  ['RSS per connection KB', (r) => r.window.server.rssPerConnectionKB],
  ...gcRows<SteadyResult>('', (r) => r.memoryAfterGc),
  ['upstream frames / change', (r) => r.window.amplification.upstreamFramesPerChange],
  ['deliveries / change (N-1)', (r) => r.window.amplification.deliveriesPerChange],
  ['echoes / change', (r) => r.window.amplification.echoesPerChange],
  ['idle: up frames/min/tab', (r) => r.idle.upFramesPerMin],
  ['idle: up bytes/min/tab', (r) => r.idle.upBytesPerMin],
  ['idle: down frames/min/tab', (r) => r.idle.downFramesPerMin],
  ['idle: down bytes/min/tab', (r) => r.idle.downBytesPerMin],
  ['ghost after close p50 ms', (r) => r.ghostAfterClose.latency.p50Ms],
  ['ghost after close max ms', (r) => r.ghostAfterClose.latency.maxMs],
  ['ghost after close seen', (r) => `${r.ghostAfterClose.seen}/${r.ghostAfterClose.expected}`],
  ['ghost after silent loss p50 ms', (r) => r.ghostAfterSilentLoss.latency.p50Ms],
  ['ghost after silent loss max ms', (r) => r.ghostAfterSilentLoss.latency.maxMs],
  [
    'ghost after silent loss seen',
    (r) => `${r.ghostAfterSilentLoss.seen}/${r.ghostAfterSilentLoss.expected}`,
  ],
  [
    'errors (connect/closed)',
    (r) => `${r.window.errors.connectFailures}/${r.window.errors.unexpectedCloses}`,
  ],
  ['tabs lost after settling', (r) => r.lost?.tabs],
  ['generator stall max ms', (r) => r.lost?.generatorLoopLagMaxMs],
  [
    'relay refusals (reason=n)',
    (r) =>
      r.lost?.relayRefusals == null
        ? '-'
        : Object.entries(r.lost.relayRefusals)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ') || 'none',
  ],
]

const hotRows: Row<HotRoomResult>[] = [
  ['offered deliveries/s', (r) => r.offeredDeliveriesPerSec],
  ...windowRows,
  ['deliveries / change (N-1)', (r) => r.window.amplification.deliveriesPerChange],
  ['echoes / change', (r) => r.window.amplification.echoesPerChange],
]

const churnRows: Row<ChurnFigures>[] = [
  ['offered joins/s', (r) => r.offeredJoinsPerSec],
  ['joins/s', (r) => r.joinsPerSec],
  ['leaves/s', (r) => r.leavesPerSec],
  ['failed joins', (r) => r.failedJoins],
  ['connect p50 ms', (r) => r.connectLatency.p50Ms],
  ['connect p99 ms', (r) => r.connectLatency.p99Ms],
  ['join seen p50 ms', (r) => r.joinLatency.p50Ms],
  ['join seen p99 ms', (r) => r.joinLatency.p99Ms],
  ['leave seen p50 ms', (r) => r.leaveLatency.p50Ms],
  ['leave seen p99 ms', (r) => r.leaveLatency.p99Ms],
  ['server CPU %', (r) => r.server.cpuPercent],
]

const restartRows: Row<RestartStormResult>[] = [
  ['tabs', (r) => r.tabs],
  ['server down ms', (r) => r.downMs],
  ['restored', (r) => (r.restored ? 'yes' : `no (${r.missing} missing)`)],
  ['restored after kill ms', (r) => r.restoredAfterKillMs],
  ['restored after listen ms', (r) => r.restoredAfterListenMs],
  ['failed reconnect attempts', (r) => r.reconnectFailures],
  ['restarts (medians of)', (r) => r.cycles.length],
]

const capacityRows: Row<CapacityResult>[] = [
  ['max tabs with p99 < limit', (r) => r.maxTabsUnderLimit],
  ['stopped by', (r) => r.stoppedBy],
  ['open-file hard limit', (r) => r.fdLimit],
  ['last step p99 ms', (r) => r.steps.at(-1)?.latency.p99Ms],
  ['last step RSS MB', (r) => r.steps.at(-1)?.server.rssMB],
  ['last step RSS/conn KB', (r) => r.steps.at(-1)?.server.rssPerConnectionKB],
  ['last step CPU %', (r) => r.steps.at(-1)?.server.cpuPercent],
  ['last step deliveries per CPU-s', (r) => r.steps.at(-1)?.deliveriesPerCpuSecond],
]

/**
 * Capacity, step by step (5,000 tabs at a time at full scale): tabs, p99 and memory after GC of
 * each step, labelled with the first server's tab count (servers that stopped earlier show -).
 */
function capacityStepRows(perServer: readonly CapacityResult[]): Row<CapacityResult>[] {
  const steps = Math.max(0, ...perServer.map((r) => r.steps.length))
  const rows: Row<CapacityResult>[] = []
  for (let i = 0; i < steps; i++) {
    const tabs = perServer.find((r) => r.steps[i] !== undefined)?.steps[i]?.tabs
    const prefix = `step ${i + 1} (${tabs} tabs): `
    rows.push(
      [`${prefix}tabs`, (r) => r.steps[i]?.tabs],
      [`${prefix}p99 ms`, (r) => r.steps[i]?.latency.p99Ms],
      ...gcRows<CapacityResult>(prefix, (r) => r.steps[i]?.memoryAfterGc),
    )
  }
  return rows
}

const ROWS: Record<WorkloadName, Row<never>[]> = {
  steady: steadyRows as Row<never>[],
  'hot-room': hotRows as Row<never>[],
  churn: churnRows as Row<never>[],
  'restart-storm': restartRows as Row<never>[],
  capacity: capacityRows as Row<never>[],
}

const ratio = (a: Cell, b: Cell): string =>
  typeof a === 'number' && typeof b === 'number' && b !== 0 ? `${(a / b).toFixed(2)}x` : ''

function format(v: Cell): string {
  if (v === null || v === undefined) return '-'
  if (typeof v === 'string') return v
  if (Number.isInteger(v)) return String(v)
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3)
}

/** Ratio columns: each Sightline kind of the run over each other server of the run. */
function ratioColumns(kinds: readonly ServerKind[]): { label: string; of: number; to: number }[] {
  const others = kinds.filter((k) => !isSightline(k))
  return kinds.filter(isSightline).flatMap((s) =>
    others.map((k) => ({
      label: `${s === 'sightline' ? 'S' : 'uws'}/${k}`,
      of: kinds.indexOf(s),
      to: kinds.indexOf(k),
    })),
  )
}

export function renderReport(result: BenchResult): string {
  const lines: string[] = []
  lines.push(`Sightline bench (${result.mode}, scale ${result.scale}) ${result.date}`)
  lines.push(
    `${result.machine.cpus} x ${result.machine.cpuModel}, ${result.machine.memoryGB} GB, Node ${result.machine.node}`,
  )
  for (const [workload, perServer] of Object.entries(result.workloads)) {
    const kinds = SERVER_KINDS.filter((k) => perServer?.[k] !== undefined)
    const results = kinds.map((k) => perServer?.[k] as never)
    const ratios = ratioColumns(kinds)
    const rows =
      workload === 'capacity'
        ? [...ROWS.capacity, ...(capacityStepRows(results) as Row<never>[])]
        : ROWS[workload as WorkloadName]
    const table = [['', ...kinds, ...ratios.map((r) => r.label)]]
    for (const [label, pick] of rows) {
      const cells = results.map((r) => pick(r))
      table.push([
        label,
        ...cells.map(format),
        ...ratios.map((r) => ratio(cells[r.of], cells[r.to])),
      ])
    }
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)))
    lines.push('', `## ${workload}`)
    for (const row of table) {
      lines.push(
        row
          .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
          .join('  '),
      )
    }
  }
  for (const [kind, notes] of Object.entries(result.notComparable ?? {})) {
    lines.push('', `## not comparable: ${kind}`)
    for (const [figure, why] of Object.entries(notes ?? {})) lines.push(`- ${figure}: ${why}`)
  }
  return `${lines.join('\n')}\n`
}
