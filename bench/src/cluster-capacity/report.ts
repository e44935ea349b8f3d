/** The capacity run as people read it: one log line per step, and the table with the verdict. */
import { type CapacityStepRow, type ClusterCapacityResult, round } from './result.js'

const n = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined ? '-' : String(round(v, digits))

/** One step, as logged while the run goes on. */
export function formatRow(r: CapacityStepRow): string {
  return (
    `${r.tabs} tabs, p50 ${n(r.latency.p50Ms)} ms, p99 ${n(r.latency.p99Ms)} ms, ` +
    `cross-node ${n((r.crossNodeShare ?? Number.NaN) * 100)} %, ` +
    `relays ${n(r.memory.relayRssPerTabKB)} KB/tab, CPU relays ${r.cpu.relaysPercent} % ` +
    `(max node ${r.cpu.relayNodeMaxPercent} %), Redis ${r.cpu.redisPercent} %, ` +
    `relays + Redis ${n(r.cpu.relaysPercent + r.cpu.redisPercent)} %, ` +
    `generators ${r.cpu.generatorsPercent} %, machine ${r.cpu.machinePercent} %`
  )
}

const HEAD = [
  'tabs',
  'settled',
  'p50 ms',
  'p99 ms',
  'cross-node',
  'relay KB/tab',
  'Redis MB',
  'relays CPU % (max node)',
  'Redis CPU %',
  'gen CPU %',
  'machine CPU %',
  'idle B/tab/min up/down',
  'connect fail',
  'closes (codes)',
  'gen stall ms',
]

/** One step's line of the table, its cells in the order of `HEAD`. */
function tableLine(s: CapacityStepRow): string {
  const codes = Object.entries(s.errors.closeCodes)
    .map(([c, k]) => `${c}x${k}`)
    .join(' ')
  const cells = [
    `${s.tabs}${s.passed ? '' : ' ✗'}`,
    s.connect.settled
      ? `yes (${s.connect.seconds + s.connect.settleSeconds} s)`
      : `no (${s.connect.missing} short)`,
    n(s.latency.p50Ms),
    n(s.latency.p99Ms),
    s.crossNodeShare === null ? '-' : `${round(s.crossNodeShare * 100)} %`,
    n(s.memory.relayRssPerTabKB),
    n(s.memory.redisRssMB),
    `${s.cpu.relaysPercent} (${s.cpu.relayNodeMaxPercent})`,
    n(s.cpu.redisPercent),
    n(s.cpu.generatorsPercent),
    `${s.cpu.machinePercent} / ${s.cpu.capacityPercent}`,
    `${n(s.idle.upBytesPerTabMin, 0)} / ${n(s.idle.downBytesPerTabMin, 0)}`,
    String(s.errors.connectFailures),
    `${s.errors.unexpectedCloses}${codes ? ` (${codes})` : ''}`,
    n(s.generatorLoopLagMaxMs, 0),
  ]
  return `| ${cells.join(' | ')} |`
}

/** CPU (% of one core) per 10,000 tabs at `s`, for relays + Redis and for the generators. */
function cpuPer10k(s: CapacityStepRow): { relaysAndRedis: number; generators: number } {
  const per = (v: number) => round((v * 10_000) / s.tabs)
  return {
    relaysAndRedis: per(s.cpu.relaysPercent + s.cpu.redisPercent),
    generators: per(s.cpu.generatorsPercent),
  }
}

/** The CPU split of the last passed step (else the last measured one), per 10,000 tabs. */
function cpuSplitLine(r: ClusterCapacityResult): string {
  const s = r.steps.filter((x) => x.passed && x.tabs > 0).at(-1) ?? r.steps.at(-1)
  if (s === undefined || s.tabs === 0) return 'CPU split: no step measured.'
  const per = cpuPer10k(s)
  return (
    `CPU at ${s.tabs} tabs (change window): relays + Redis ` +
    `${n(s.cpu.relaysPercent + s.cpu.redisPercent)} % (${per.relaysAndRedis} % per 10,000 tabs), ` +
    `generators ${s.cpu.generatorsPercent} % (${per.generators} % per 10,000 tabs), ` +
    `of ${r.machine.cpus * 100} %; relays + Redis alone would reach ` +
    `${r.projection.cpuRelaysAndRedis ?? '-'} tabs (load generated elsewhere).`
  )
}

/** The lines under the table: how far the run got, why it stopped, and the projection. */
function verdictLines(r: ClusterCapacityResult): string[] {
  const p = r.projection
  return [
    cpuSplitLine(r),
    `Reached: ${r.reached} tabs with every check passed. Stopped by: ${r.stoppedBy}` +
      (r.limitedBy ? `; limited by: ${r.limitedBy} (${r.limitDetail.split('\n')[0]})` : ''),
    `Projection: ${p.tabs ?? '-'} tabs on this machine, bound by ${p.boundBy ?? '-'} ` +
      `(CPU of the bench ${p.cpuBench ?? '-'}, relays + Redis alone ${p.cpuRelaysAndRedis ?? '-'}, ` +
      `busiest node ${p.busiestNodeCpu ?? '-'}, Redis ${p.redisCpu ?? '-'}, memory ${p.memory ?? '-'}, ` +
      `open files ${p.fdLimit}); ${p.method}.`,
    `Idle traffic measured in an idle window per step (changes off), not derived from the change window.`,
  ]
}

/** The per-step table and the verdict, as printed by `pnpm bench:capacity`. */
export function formatClusterCapacity(r: ClusterCapacityResult): string {
  const lines = [
    `## Capacity across nodes (${r.nodes} relay nodes on ${r.transport}, routed by ${r.routing ?? 'tab'}, ${r.generators} generators, Redis; ${r.machine.cpus} cores)`,
    '',
    `| ${HEAD.join(' | ')} |`,
    `|${HEAD.map(() => '---').join('|')}|`,
    ...r.steps.map(tableLine),
    '',
    ...verdictLines(r),
    '',
  ]
  return lines.join('\n')
}
