/**
 * The generators' counters summed over all of them (their histograms merged): what a workload
 * reads after a window. Apart from session.ts so that the figures can read it without an
 * import cycle.
 */
import type { GeneratorStats } from './generator-protocol.js'
import { Histogram } from './histogram.js'

/** Sum of the generators' counters, with their histograms merged. */
export interface Totals extends Omit<GeneratorStats, 'latency' | 'connect'> {
  readonly latency: Histogram
  readonly connect: Histogram
}

export function sumStats(all: readonly GeneratorStats[]): Totals {
  const latency = new Histogram()
  const connect = new Histogram()
  const sum: Record<string, number> = {}
  const closeCodes: Record<string, number> = {}
  const connectErrors: Record<string, number> = {}
  for (const s of all) {
    for (const [code, n] of Object.entries(s.connectErrors ?? {}))
      connectErrors[code] = (connectErrors[code] ?? 0) + n
    latency.merge(s.latency)
    connect.merge(s.connect)
    for (const [code, n] of Object.entries(s.closeCodes))
      closeCodes[code] = (closeCodes[code] ?? 0) + n
    for (const [k, v] of Object.entries(s)) {
      if (typeof v === 'number') sum[k] = (sum[k] ?? 0) + v
    }
  }
  sum['windowMs'] = Math.max(0, ...all.map((s) => s.windowMs))
  sum['loopLagMaxMs'] = Math.max(0, ...all.map((s) => s.loopLagMaxMs))
  return {
    ...(sum as unknown as Omit<GeneratorStats, 'latency' | 'connect'>),
    closeCodes,
    connectErrors,
    latency,
    connect,
  }
}
