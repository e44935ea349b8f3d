/**
 * Messages between the orchestrator and a load-generator process (over the `fork` IPC
 * channel). Every command carries an `id`; the generator answers `{ id, ok, result }` or
 * `{ id, ok: false, error }` when the command is done.
 */
import type { HistogramData } from './histogram.js'

/**
 * The servers under test (servers.ts): our relay on each of its socket layers (`ws`, the
 * default, and uWebSockets.js: `SIGHTLINE_TRANSPORT=uws`), @y/websocket-server,
 * @hocuspocus/server.
 */
export type ServerKind = 'sightline' | 'sightline-uws' | 'reference' | 'hocuspocus'

/** The kinds that are Sightline's relay, whatever its socket layer. */
export type SightlineKind = Extract<ServerKind, 'sightline' | 'sightline-uws'>

/** Every server kind, in the order of the report's columns. */
export const SERVER_KINDS: readonly ServerKind[] = Object.freeze([
  'sightline',
  'sightline-uws',
  'reference',
  'hocuspocus',
])

/** Sightline's relay (tokens, heartbeats, relay environment, /metrics), on either layer. */
export function isSightline(kind: ServerKind): kind is SightlineKind {
  return kind === 'sightline' || kind === 'sightline-uws'
}

/** The relay's socket layer (`SIGHTLINE_TRANSPORT`) for a Sightline kind. */
export function sightlineTransport(kind: SightlineKind): 'ws' | 'uws' {
  return kind === 'sightline-uws' ? 'uws' : 'ws'
}

/**
 * How a load balancer in front of several nodes picks a tab's node: `tab`, any node for any tab
 * (round robin, least connections: a room's tabs share a node as often as chance has it);
 * `mailbox`, a hash of the mailbox in the room's path, so every room of a mailbox is on one
 * node (docs/scale-out.md recommends it past a few nodes).
 */
export type Routing = 'tab' | 'mailbox'
export const ROUTINGS: readonly Routing[] = Object.freeze(['tab', 'mailbox'])

/** How simulated tabs behave; intervals in ms, 0 turns a behaviour off. */
export interface Behaviour {
  /** Sightline heartbeat (3-byte frame) period; 0 for the reference (it would not answer). */
  readonly heartbeatMs: number
  /** A tab renews its unchanged state once it is this old, checked every 4 s (presence). */
  readonly renewMs: number
  /** Each tab changes its activity once per period while changes are on. */
  readonly changeMs: number
  /** Reconnect with jittered backoff after an unexpected close (restart storm). */
  readonly reconnect: boolean
}

export type Command =
  | {
      readonly type: 'init'
      readonly serverKind: ServerKind
      readonly url: string
      /**
       * Nodes of a cluster: when set (instead of `url`), each tab connects to one of them,
       * picked per tab as a load balancer would, whatever its room.
       */
      readonly urls?: readonly string[]
      /** How a tab's node is picked among `urls` (default `tab`). */
      readonly routing?: Routing
      readonly jwtSecret: string | null
      readonly behaviour: Behaviour
      readonly localAddresses: readonly string[]
      readonly tickMs: number
    }
  | {
      readonly type: 'addRooms'
      /** Global index of the first room; room r holds client IDs 1 + r * roomSize + k. */
      readonly firstRoom: number
      readonly count: number
      readonly roomSize: number
      readonly connectConcurrency: number
    }
  | { readonly type: 'settle'; readonly timeoutMs: number }
  | { readonly type: 'changes'; readonly on: boolean }
  | { readonly type: 'mark' }
  | { readonly type: 'collect' }
  | {
      readonly type: 'ghost'
      readonly mode: GhostMode
      /** Tabs to drop, each in a different room. */
      readonly count: number
      readonly capMs: number
    }
  | {
      readonly type: 'churn'
      readonly ratePerSec: number
      readonly lifetimeMs: number
      readonly durationMs: number
      readonly roomSize: number
      readonly clientIdBase: number
    }
  | {
      readonly type: 'waitRestored'
      readonly timeoutMs: number
      /** Only sockets opened after this instant (µs since the epoch) count. */
      readonly afterUs: number
    }
  | { readonly type: 'shutdown' }

export type CommandType = Command['type']

export type GhostMode = 'close' | 'silent'

export interface Envelope {
  readonly id: number
  readonly command: Command
}

export type Reply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string }

/** Counters of one generator since the last `mark` (window), summed by the orchestrator. */
export interface GeneratorStats {
  windowMs: number
  tabsOpen: number
  connectFailures: number
  unexpectedCloses: number
  changesSent: number
  renewalsSent: number
  /** Liveness frames sent: Sightline heartbeats and keepalives. */
  heartbeatsSent: number
  framesTx: number
  bytesTx: number
  framesRx: number
  bytesRx: number
  heartbeatsRx: number
  pingsRx: number
  /** A peer state seen for the first time (join, snapshot, reconnect). */
  appearances: number
  /** A new state (higher seq) of a peer already seen: a delivered change. */
  changeDeliveries: number
  /** Of `changeDeliveries`, those whose sender is on another node than the receiver. */
  crossNodeDeliveries: number
  /** The same state again (renewal, relay refresh, snapshot). */
  duplicates: number
  /** The tab's own state sent back to it. */
  echoes: number
  removals: number
  /** Entries y-protocols would ignore (clock not above the one remembered). */
  ignored: number
  /**
   * The generator's longest event-loop stall since the mark, ms: a tab whose generator stalls
   * for seconds sends no heartbeat and answers no ping, so the server may rightly drop it.
   */
  loopLagMaxMs: number
  /** Close codes of unexpected closes (the server's reason for dropping a tab), by code. */
  closeCodes: Record<string, number>
  /** Errors of sockets that never opened, by code (EADDRNOTAVAIL, EMFILE, ECONNREFUSED, ...). */
  connectErrors: Record<string, number>
  /** Propagation latency of delivered changes and of joins, sender to receiver. */
  latency: HistogramData
  /** Time from a socket connect call to its open event. */
  connect: HistogramData
}

export interface GhostResult {
  readonly mode: GhostMode
  readonly dropped: number
  /** Receivers that saw the removal, and the time each took (ms). */
  readonly seen: number
  readonly expected: number
  readonly latency: HistogramData
}

export interface ChurnResult {
  readonly joins: number
  readonly leaves: number
  readonly failed: number
  readonly durationMs: number
  readonly join: HistogramData
  readonly leave: HistogramData
  readonly connect: HistogramData
}
