import type { Routing } from '../generator-protocol.js'

/** What `pnpm bench:capacity` takes (its flags are in ../cluster-capacity.ts), and its bounds. */

/** Sockets one process (relay node or generator) should hold at most. */
export const SOCKETS_PER_PROCESS = 18_000
/** Descriptors a process needs besides its sockets (listen socket, stdio, libuv, Redis, ...). */
export const FD_RESERVE = 200
/** Memory left to the machine (and the other people on it) when deciding to add a step. */
export const MEMORY_RESERVE_BYTES = 2 * 2 ** 30
/** Share of the machine's CPU from which it counts as saturated. */
export const SATURATED = 0.9

/** The relay's socket layer (its SIGHTLINE_TRANSPORT): ws, or uWebSockets.js. */
export type Transport = 'ws' | 'uws'
export const TRANSPORTS: readonly Transport[] = ['ws', 'uws']

export interface ClusterCapacityOptions {
  /** Cumulative tab counts, ascending. */
  readonly steps: readonly number[]
  readonly nodes?: number | undefined
  readonly generators?: number | undefined
  readonly measureMs: number
  readonly idleMs: number
  /** Each tab changes its activity once per this period (ms). */
  readonly changeMs: number
  readonly roomSize: number
  readonly settleTimeoutMs: number
  readonly p99LimitMs: number
  /** Sockets connecting at once, over all generators. */
  readonly connectConcurrency: number
  /** The relay nodes' socket layer (SIGHTLINE_TRANSPORT). */
  readonly transport: Transport
  /** How tabs are spread over the nodes (generator-protocol.ts `Routing`). */
  readonly routing: Routing
  /** Extra relay environment (the test's short liveness settings). */
  readonly relayEnv?: Readonly<Record<string, string>> | undefined
  /** JSON output; null: none. */
  readonly out: string | null
  readonly log: (line: string) => void
}

export const DEFAULT_OPTIONS: Omit<ClusterCapacityOptions, 'out' | 'log'> = {
  steps: [20_000, 40_000, 60_000, 80_000, 100_000],
  measureMs: 30_000,
  idleMs: 15_000,
  changeMs: 30_000,
  roomSize: 5,
  settleTimeoutMs: 120_000,
  p99LimitMs: 1000,
  connectConcurrency: 256,
  transport: 'ws',
  routing: 'tab',
}

/** Processes (nodes or generators) for `tabs` sockets at most `SOCKETS_PER_PROCESS` each. */
export function processesFor(tabs: number): number {
  return Math.max(1, Math.ceil(tabs / SOCKETS_PER_PROCESS))
}
