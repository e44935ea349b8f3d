/**
 * What a benchmark run produces: the JSON written to `bench/results/` and read by the report.
 * Its own module so that the runner (bench.ts) and the report (report.ts) both depend on it
 * and not on each other.
 */
import type { BenchConfig, WorkloadName } from './config.js'
import type { ServerKind } from './generator-protocol.js'
import type { ServerNotes } from './server-notes.js'

/** Per server, the figures of one workload (each workload's own result type). */
export type WorkloadResults = Partial<Record<ServerKind, unknown>>

export interface BenchResult {
  readonly date: string
  readonly mode: 'smoke' | 'full'
  readonly scale: number
  readonly machine: {
    readonly cpus: number
    readonly cpuModel: string
    readonly memoryGB: number
    readonly node: string
    readonly platform: string
  }
  readonly config: BenchConfig
  readonly workloads: Partial<Record<WorkloadName, WorkloadResults>>
  /** Per server, figures that do not compare fairly with Sightline's and why (server-notes.ts). */
  readonly notComparable?: ServerNotes
}
