/**
 * Turning raw counters into the figures of docs/performance.md: rates, latency percentiles, server CPU
 * and memory, amplification and idle cost.
 */
import type { LatencySummary } from './histogram.js'
import { cpuPercent, type ProcSample } from './proc-stats.js'
import type { GcSample } from './servers.js'
import type { Totals } from './totals.js'

export interface ServerFigures {
  /** Server CPU over the window, percent of one core. */
  readonly cpuPercent: number
  /** Server CPU time over the window, ms (for per-delivery cost). */
  readonly cpuMs: number
  readonly rssMB: number
  /** (RSS now - RSS before any connection) / open connections, in KB. */
  readonly rssPerConnectionKB: number | null
}

export interface Amplification {
  /** Frames each tab sent per state change it made (heartbeats, renewals, pongs excluded). */
  readonly upstreamFramesPerChange: number | null
  /** Deliveries of a change to other tabs, per change: N-1 is the ideal. */
  readonly deliveriesPerChange: number | null
  /** The change sent back to its own sender, per change. */
  readonly echoesPerChange: number | null
  /** N-1 for the workload's rooms. */
  readonly expectedDeliveriesPerChange: number
}

export interface WindowFigures {
  readonly tabs: number
  readonly seconds: number
  readonly changesPerSec: number
  /** New states received by tabs per second (changes and joins). */
  readonly deliveredPerSec: number
  readonly latency: LatencySummary
  readonly server: ServerFigures
  /**
   * Deliveries per second of server CPU time: what one fully used core would deliver at this
   * mix. On a machine where the load generators share the cores with the server, this is a
   * fairer measure of saturation throughput than the delivered rate.
   */
  readonly deliveriesPerCpuSecond: number | null
  /** CPU of the load-generator processes together, percent of one core. */
  readonly generatorsCpuPercent: number | null
  /** Longest event-loop stall of any load generator in the window, ms (see GeneratorStats). */
  readonly generatorLoopLagMaxMs: number
  readonly amplification: Amplification
  readonly errors: {
    readonly connectFailures: number
    readonly unexpectedCloses: number
    readonly closeCodes: Readonly<Record<string, number>>
  }
}

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits
const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 3) : null)

export function serverFigures(
  baseline: ProcSample,
  from: ProcSample,
  to: ProcSample,
  connections: number,
): ServerFigures {
  return {
    cpuPercent: round(cpuPercent(from, to), 1),
    cpuMs: round(to.cpuMs - from.cpuMs, 0),
    rssMB: round(to.rssBytes / 2 ** 20, 1),
    rssPerConnectionKB:
      connections > 0 ? round((to.rssBytes - baseline.rssBytes) / 1024 / connections, 2) : null,
  }
}

/**
 * Server memory right after two full collections (gc-probe.cjs), against the same taken after
 * start, before any connection: what a connection really keeps, without the heap slack between
 * collections that moves plain RSS per connection by tens of percent from run to run.
 */
export interface MemoryAfterGc {
  readonly connections: number
  readonly rssMB: number
  readonly heapUsedMB: number
  readonly externalMB: number
  readonly baselineRssMB: number
  readonly baselineHeapUsedPlusExternalMB: number
  /** (RSS after GC - RSS after GC with no connection) / connections, KB. */
  readonly rssPerConnectionKB: number | null
  /** (heapUsed + external after GC - the same with no connection) / connections, KB. */
  readonly heapPerConnectionKB: number | null
}

export function memoryAfterGc(
  baseline: GcSample,
  now: GcSample,
  connections: number,
): MemoryAfterGc {
  const mb = (bytes: number) => round(bytes / 2 ** 20, 1)
  const js = (g: GcSample) => g.heapUsed + g.external
  const per = (bytes: number) => (connections > 0 ? round(bytes / 1024 / connections, 2) : null)
  return {
    connections,
    rssMB: mb(now.vmRssBytes),
    heapUsedMB: mb(now.heapUsed),
    externalMB: mb(now.external),
    baselineRssMB: mb(baseline.vmRssBytes),
    baselineHeapUsedPlusExternalMB: mb(js(baseline)),
    rssPerConnectionKB: per(now.vmRssBytes - baseline.vmRssBytes),
    heapPerConnectionKB: per(js(now) - js(baseline)),
  }
}

export function windowFigures(
  t: Totals,
  roomSize: number,
  activeMs: number,
  server: ServerFigures,
  generatorsCpuPercent: number | null = null,
): WindowFigures {
  const seconds = activeMs / 1000
  const upstream = t.framesTx - t.heartbeatsSent - t.renewalsSent - t.pingsRx
  const delivered = t.changeDeliveries + t.appearances
  return {
    tabs: t.tabsOpen,
    seconds: round(seconds, 1),
    changesPerSec: round(t.changesSent / seconds, 1),
    deliveredPerSec: round(delivered / seconds, 1),
    latency: t.latency.summaryMs(),
    server,
    deliveriesPerCpuSecond: server.cpuMs > 0 ? Math.round(delivered / (server.cpuMs / 1000)) : null,
    generatorsCpuPercent,
    generatorLoopLagMaxMs: round(t.loopLagMaxMs, 1),
    amplification: {
      upstreamFramesPerChange: ratio(upstream, t.changesSent),
      deliveriesPerChange: ratio(t.changeDeliveries, t.changesSent),
      echoesPerChange: ratio(t.echoes, t.changesSent),
      expectedDeliveriesPerChange: roomSize - 1,
    },
    errors: {
      connectFailures: t.connectFailures,
      unexpectedCloses: t.unexpectedCloses,
      closeCodes: t.closeCodes,
    },
  }
}

/** Traffic of one idle tab per minute, WebSocket frames and bytes (framing included). */
export interface IdleCost {
  readonly tabs: number
  /** Tabs the server dropped during the idle window, by close code. */
  readonly closeCodes: Readonly<Record<string, number>>
  readonly seconds: number
  readonly upFramesPerMin: number
  readonly upBytesPerMin: number
  readonly downFramesPerMin: number
  readonly downBytesPerMin: number
  /** Of which liveness (heartbeats, pings, pongs), per minute each way. */
  readonly livenessFramesPerMinUp: number
  readonly livenessFramesPerMinDown: number
  /** Longest event-loop stall of any load generator in the idle window, ms. */
  readonly generatorLoopLagMaxMs: number
}

export function idleCost(t: Totals): IdleCost {
  const minutes = t.windowMs / 60_000
  const per = (v: number) => (t.tabsOpen > 0 ? round(v / t.tabsOpen / minutes, 2) : 0)
  return {
    tabs: t.tabsOpen,
    closeCodes: t.closeCodes,
    seconds: round(t.windowMs / 1000, 1),
    upFramesPerMin: per(t.framesTx),
    upBytesPerMin: per(t.bytesTx),
    downFramesPerMin: per(t.framesRx),
    downBytesPerMin: per(t.bytesRx),
    livenessFramesPerMinUp: per(t.heartbeatsSent + t.pingsRx),
    livenessFramesPerMinDown: per(t.heartbeatsRx + t.pingsRx),
    generatorLoopLagMaxMs: round(t.loopLagMaxMs, 1),
  }
}
