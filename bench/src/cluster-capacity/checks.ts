/**
 * When a run stops: before a step, when the step would not fit (sockets per process, ports per
 * source address, memory); after it, when a check failed; and what limited it then.
 */
import type { StepPlan } from './load.js'
import { memInfo } from './machine.js'
import { FD_RESERVE, MEMORY_RESERVE_BYTES, SATURATED, SOCKETS_PER_PROCESS } from './options.js'
import {
  type CapacityStepRow,
  type CpuFigures,
  type Limit,
  MB,
  type StopReason,
  type Verdict,
} from './result.js'
import type { RunPlan } from './topology.js'

/** Memory a tab costs (relays, Redis, generators), from the last step; 100 KB before one. */
function bytesPerTab(last: CapacityStepRow | undefined): number {
  if (!last || last.tabs <= 0) return 100 * 1024
  const m = last.memory
  return ((m.relaysRssMB + m.redisRssMB + m.generatorsRssMB) * MB) / last.tabs
}

/** Why the step cannot be added (null: it fits). */
export function beforeStep(
  step: StepPlan,
  plan: RunPlan,
  last: CapacityStepRow | undefined,
): Verdict | null {
  const { fdLimit, addresses, ports } = plan
  const { nextTabs, tabsPerNode, tabsPerGenerator } = step
  const socketCap = Math.min(SOCKETS_PER_PROCESS, fdLimit - FD_RESERVE)
  if (tabsPerNode > socketCap || tabsPerGenerator > socketCap) {
    const limitDetail = `${nextTabs} tabs: ~${tabsPerNode} per node, ${tabsPerGenerator} per generator, over ${socketCap} sockets per process (open-file limit ${fdLimit})`
    return { stoppedBy: 'fd-limit', limitedBy: 'fd-limit', limitDetail }
  }
  if (nextTabs / addresses.length > ports * SATURATED) {
    const limitDetail = `${nextTabs} tabs over ${addresses.length} source addresses of ${ports} ports each`
    return { stoppedBy: 'port-limit', limitedBy: 'ephemeral-ports', limitDetail }
  }
  const perTab = bytesPerTab(last)
  const mem = memInfo()
  if (mem.availableBytes - perTab * step.addTabs < MEMORY_RESERVE_BYTES) {
    const limitDetail = `${Math.round(mem.availableBytes / MB)} MB available, ${nextTabs} tabs need ~${Math.round((perTab * step.addTabs) / MB)} MB more`
    return { stoppedBy: 'memory', limitedBy: 'memory', limitDetail }
  }
  return null
}

/** The first check the step failed (null: it passed). */
export function failedCheck(
  row: CapacityStepRow,
  availableBytes: number,
  p99LimitMs: number,
): StopReason | null {
  const p99 = row.latency.p99Ms ?? Number.POSITIVE_INFINITY
  if (row.errors.deadProcesses.length > 0) return 'process-exited'
  if (row.connect.failed > 0) return 'connect-failures'
  if (!row.connect.settled) return 'settle-timeout'
  if (row.errors.unexpectedCloses > 0) return 'unexpected-closes'
  if (p99 > p99LimitMs) return 'p99'
  if (availableBytes < MEMORY_RESERVE_BYTES) return 'memory'
  return null
}

/** Why a failed step stopped the run, and what limited it. */
export function verdictOf(row: CapacityStepRow, stop: StopReason, cores: number): Verdict {
  const d =
    stop === 'process-exited'
      ? { limit: 'unknown' as Limit, detail: `exited: ${row.errors.deadProcesses.join(', ')}` }
      : diagnose(row, stop, cores)
  return { stoppedBy: stop, limitedBy: d.limit, limitDetail: d.detail }
}

/** Relay refusals that show a starved process (relay or generator), not a cap. */
const STARVED_REFUSALS = new Set(['handshake_timeout', 'liveness_timeout', 'slow_consumer'])

/** A limit that the errors name by themselves: ports, open files, memory, a relay's cap. */
function namedLimit(row: CapacityStepRow): { limit: Limit; detail: string } | null {
  const e = row.errors
  const codes = Object.keys(e.connectErrors)
  if (codes.some((c) => c === 'EADDRNOTAVAIL' || c === 'EADDRINUSE')) {
    return { limit: 'ephemeral-ports', detail: `connect errors ${JSON.stringify(e.connectErrors)}` }
  }
  if (codes.some((c) => c === 'EMFILE' || c === 'ENFILE')) {
    return { limit: 'fd-limit', detail: `connect errors ${JSON.stringify(e.connectErrors)}` }
  }
  if (row.memory.machineAvailableMB * MB < MEMORY_RESERVE_BYTES) {
    return { limit: 'memory', detail: `${row.memory.machineAvailableMB} MB left available` }
  }
  // Refusals for a cap (connections, rooms, rate, ...) are a limit of their own; timeouts and
  // slow consumers are what a starved relay or generator looks like: see the CPU.
  const caps = Object.keys(row.nodes.refusals).filter((r) => !STARVED_REFUSALS.has(r))
  if (caps.length > 0) {
    return { limit: 'relay-refusals', detail: `refusals ${JSON.stringify(row.nodes.refusals)}` }
  }
  return null
}

/** What limited a step that failed, from its errors and the CPU of the phase that failed. */
function diagnose(
  row: CapacityStepRow,
  stop: StopReason,
  cores: number,
): { limit: Limit; detail: string } {
  const named = namedLimit(row)
  if (named !== null) return named
  // Latency is measured in the window with changes; other failures may come in any phase:
  // take the busiest one.
  const phases: [string, CpuFigures][] = [
    ['measured window', row.cpu],
    ['connect phase', row.connect.cpu],
    ['idle window', row.idle.cpu],
  ]
  const [where, cpu] =
    stop === 'p99'
      ? phases[0]!
      : phases.reduce((a, b) => (b[1].machinePercent > a[1].machinePercent ? b : a))
  const e = row.errors
  const detail =
    `${where}: machine ${cpu.machinePercent} % of ${cpu.capacityPercent} % (bench ${cpu.benchPercent} %: ` +
    `relays ${cpu.relaysPercent} %, busiest node ${cpu.relayNodeMaxPercent} %, Redis ${cpu.redisPercent} %, ` +
    `generators ${cpu.generatorsPercent} %; other processes ${cpu.otherPercent} %); ` +
    `generator stall ${row.generatorLoopLagMaxMs} ms; relay refusals ${JSON.stringify(row.nodes.refusals)}; ` +
    `close codes ${JSON.stringify(e.closeCodes)}; connect errors ${JSON.stringify(e.connectErrors)}`
  if (cpu.machinePercent >= cores * 100 * SATURATED) return { limit: 'cpu', detail }
  if (cpu.relayNodeMaxPercent >= 100 * SATURATED) return { limit: 'relay-node-cpu', detail }
  if (cpu.redisPercent >= 100 * SATURATED) return { limit: 'redis-cpu', detail }
  if (cpu.generatorMaxPercent >= 100 * SATURATED || row.generatorLoopLagMaxMs >= 1000) {
    return { limit: 'generators', detail }
  }
  return { limit: 'unknown', detail }
}
