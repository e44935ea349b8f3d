/**
 * The shape of `pnpm bench:capacity`'s result, as written to its JSON file: one row per step,
 * why it stopped, what limited it, and the projection from the measured steps.
 */
import type { Routing } from '../generator-protocol.js'
import type { LatencySummary } from '../histogram.js'
import type { ClusterCapacityOptions, Transport } from './options.js'

export const MB = 2 ** 20

/** `v` rounded to `digits` decimals, as every figure of the result is. */
export const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits

/** CPU over one phase, in percent of one core (the machine has `cores` x 100). */
export interface CpuFigures {
  readonly seconds: number
  /** Sum over the relay nodes, and the busiest node. */
  readonly relaysPercent: number
  readonly relayNodeMaxPercent: number
  readonly redisPercent: number
  readonly generatorsPercent: number
  readonly generatorMaxPercent: number
  /** This script (the orchestrator). */
  readonly orchestratorPercent: number
  /** All the processes of the benchmark together. */
  readonly benchPercent: number
  /** The whole machine (/proc/stat), other users included. */
  readonly machinePercent: number
  /** Machine less the benchmark: whoever else shares the cores. */
  readonly otherPercent: number
  readonly capacityPercent: number
}

export interface CapacityStepRow {
  readonly target: number
  /** Tabs open at the end of the step. */
  readonly tabs: number
  readonly passed: boolean
  readonly connect: {
    readonly added: number
    readonly failed: number
    readonly seconds: number
    readonly settled: boolean
    readonly settleSeconds: number
    /** Tabs still short of a room-mate when settling ended. */
    readonly missing: number
    readonly latency: LatencySummary
    readonly cpu: CpuFigures
    readonly generatorLoopLagMaxMs: number
  }
  /** Sender to receiver, changes in the measured window. */
  readonly latency: LatencySummary
  readonly changesPerSec: number
  readonly deliveriesPerSec: number
  /** Delivered changes whose sender and receiver are on different nodes, over all. */
  readonly crossNodeShare: number | null
  readonly cpu: CpuFigures
  readonly memory: {
    readonly relaysRssMB: number
    /** Sum of the relays' RSS / tabs. */
    readonly relayRssPerTabKB: number | null
    /** (Sum of RSS - sum of RSS before any tab) / tabs. */
    readonly relayRssPerTabAboveBaselineKB: number | null
    readonly redisRssMB: number
    readonly generatorsRssMB: number
    readonly machineAvailableMB: number
  }
  /** Idle window (changes off): traffic per tab and minute, WebSocket framing included. */
  readonly idle: {
    readonly seconds: number
    readonly upBytesPerTabMin: number | null
    readonly downBytesPerTabMin: number | null
    readonly upFramesPerTabMin: number | null
    readonly downFramesPerTabMin: number | null
    readonly cpu: CpuFigures
  }
  readonly bus: { readonly messagesOutPerSec: number; readonly bytesOutPerSec: number }
  /** Open connections per node (its /metrics) and the relays' refusals so far, by reason. */
  readonly nodes: {
    readonly connections: readonly number[]
    readonly refusals: Readonly<Record<string, number>>
  }
  /** Whole step: failed connects, tabs dropped after opening (by close code). */
  readonly errors: {
    readonly connectFailures: number
    readonly connectErrors: Readonly<Record<string, number>>
    readonly unexpectedCloses: number
    readonly closeCodes: Readonly<Record<string, number>>
    readonly deadProcesses: readonly string[]
  }
  /** Longest event-loop stall of any generator in the step. */
  readonly generatorLoopLagMaxMs: number
}

export type StopReason =
  | 'target'
  | 'settle-timeout'
  | 'p99'
  | 'connect-failures'
  | 'unexpected-closes'
  | 'process-exited'
  | 'memory'
  | 'fd-limit'
  | 'port-limit'
  | 'error'

export type Limit =
  | 'cpu'
  | 'relay-node-cpu'
  | 'redis-cpu'
  | 'generators'
  | 'memory'
  | 'fd-limit'
  | 'ephemeral-ports'
  | 'relay-refusals'
  | 'unknown'

/** Why a run stopped and what limited it (`limitedBy` null: it reached its last step). */
export interface Verdict {
  readonly stoppedBy: StopReason
  readonly limitedBy: Limit | null
  readonly limitDetail: string
}

export interface Projection {
  /** Tabs at which the benchmark's processes would use 90 % of the machine's cores. */
  readonly cpuBench: number | null
  /** Tabs at which relays and Redis alone would (load generated on other machines). */
  readonly cpuRelaysAndRedis: number | null
  /** Tabs at which the busiest relay node would use a whole core. */
  readonly busiestNodeCpu: number | null
  readonly redisCpu: number | null
  /** Tabs at which relays, Redis and generators would fill the machine's memory less 2 GiB. */
  readonly memory: number | null
  /** min(K nodes, G generators) x the sockets one process may hold. */
  readonly fdLimit: number
  /** The smallest of cpuBench, busiestNodeCpu, redisCpu, memory, fdLimit, and which. */
  readonly tabs: number | null
  readonly boundBy: string | null
  readonly method: string
}

export interface ClusterCapacityResult {
  readonly date: string
  readonly machine: {
    readonly cpus: number
    readonly cpuModel: string
    readonly memoryGB: number
    readonly node: string
    readonly fdLimit: number
    readonly ephemeralPorts: number
  }
  readonly options: Omit<ClusterCapacityOptions, 'log' | 'out'>
  readonly nodes: number
  /** The relay nodes' socket layer (SIGHTLINE_TRANSPORT): ws or uws. */
  readonly transport: Transport
  /** How tabs reached the nodes: by tab (any node) or by mailbox (generator-protocol.ts). */
  readonly routing: Routing
  readonly generators: number
  readonly sourceAddresses: number
  readonly heartbeatMs: number
  readonly steps: readonly CapacityStepRow[]
  /** Tabs of the last step that passed every check (0: none). */
  readonly reached: number
  readonly stoppedBy: StopReason
  readonly limitedBy: Limit | null
  readonly limitDetail: string
  readonly projection: Projection
}
