/**
 * The metrics of one relay, on its own prom-client Registry (nothing global: two relays in
 * one process keep separate counts). The hot path only increments pre-labelled counters;
 * gauges (connections, rooms, awareness states, held readers) are read from the relay when scraped.
 * Nothing is labelled by room or by agent, so the number of series stays fixed.
 */
import { CloseCode, isHeartbeatFrame, MessageType } from '@sightline/protocol'
import { Counter, Gauge, Registry } from 'prom-client'
import { RefusalReason } from '../refusal.js'
import { startProcessMetrics } from './process-metrics.js'

/** Frame types as counted: a zero-entry awareness update is a heartbeat. */
export const FrameType = Object.freeze({
  Sync: 'sync',
  Awareness: 'awareness',
  Query: 'query',
  Heartbeat: 'heartbeat',
  Other: 'other',
} as const)
export type FrameType = (typeof FrameType)[keyof typeof FrameType]

/** The type of a y-websocket frame from its first bytes (the type is one varUint byte). */
export function frameTypeOf(frame: Uint8Array): FrameType {
  switch (frame[0]) {
    case MessageType.Sync:
      return FrameType.Sync
    case MessageType.Awareness:
      return isHeartbeatFrame(frame) ? FrameType.Heartbeat : FrameType.Awareness
    case MessageType.QueryAwareness:
      return FrameType.Query
    default:
      return FrameType.Other
  }
}

/** What the gauges read at scrape time. */
export interface MetricsSource {
  stats(): {
    readonly rooms: number
    readonly connections: number
    /** Connections held because they are not reading (core/connection.ts). */
    readonly held?: number
  }
  /** Live (non-null) awareness states over all rooms. */
  awarenessStates(): number
  /** Cluster mode: whether the bus is connected and how many other nodes are alive. */
  bus?:
    | (() => {
        readonly connected: boolean
        readonly peers: number
        /** Another live node uses this node's id (seen within the node timeout). */
        readonly duplicateNodeId?: boolean
      })
    | undefined
  /** The relay's package version (build info). */
  version?: string | undefined
}

export interface RelayMetrics {
  readonly registry: Registry
  /** An inbound message from an admitted connection. */
  frameIn(frame: Uint8Array): void
  /** One delivery of `frame` to one connection. */
  frameOut(frame: Uint8Array): void
  /** A connection passed admission and joined its room. */
  admitted(): void
  /**
   * A connection was refused or closed by the relay for `reason` (a RefusalReason), from
   * `addr`: counted, and `logLine` run to log it (the relay runs it only for the first of its
   * reason per interval, and sums the others up: ops/refusal-log.ts).
   */
  refused(reason: string, addr?: string, logLine?: () => void): void
  /** The relay sent a close frame with `code`. */
  closeSent(code: number): void
  /** Awareness entries dropped because they wrote another connection's client ID. */
  forged(count: number): void
  /** Cluster mode: a bus message received from another node (its bytes). */
  busIn(bytes: number): void
  /** Cluster mode: a bus message published (its bytes). */
  busOut(bytes: number): void
  /** Cluster mode: another node was declared down (silent past the node timeout). */
  nodeDown(): void
  /** Cluster mode: a bus message with this node's id from another epoch (a duplicate node). */
  duplicateNodeId(): void
  /**
   * Cluster mode: a bus query not sent (`ask`: this node asked for the room within the query
   * interval) or merged into one answer (`answer`: answered within the interval).
   */
  busQueryCoalesced(side: 'ask' | 'answer'): void
  /** Cluster mode: an answer held back because the answer byte budget was spent. */
  busAnswerDeferred(): void
  /** Stops the process-metric monitors (event-loop delay, GC observer). */
  stop(): void
}

const PREFIX = 'sightline_relay_'
const FRAME_TYPES = Object.values(FrameType)

function zeroByType(): Record<FrameType, number> {
  return { sync: 0, awareness: 0, query: 0, heartbeat: 0, other: 0 }
}

/** The series of one registry (prom-client's metric constructors take these). */
type Registers = Registry[]

/** A gauge set from `read()` when scraped. */
function scrapedGauge(registers: Registers, name: string, help: string, read: () => number): void {
  new Gauge({
    name: `${PREFIX}${name}`,
    help,
    registers,
    collect() {
      this.set(read())
    },
  })
}

/** A counter incremented by the relay (optionally by one label). */
function counter(registers: Registers, name: string, help: string, labelNames: string[] = []) {
  return new Counter({ name: `${PREFIX}${name}`, help, labelNames, registers })
}

/** Creates the registry and metrics of one relay. */
export function createRelayMetrics(source: MetricsSource): RelayMetrics {
  const registry = new Registry()
  const registers = [registry]
  stateGauges(registers, source)
  const traffic = trafficCounters(registers)
  const admission = admissionCounters(registers, source)
  const bus = busMetrics(registers, source)
  const stop = startProcessMetrics(registry)
  return { registry, ...traffic, ...admission, ...bus, stop }
}

/** Gauges read from the relay when scraped: connections, rooms, states, held readers. */
function stateGauges(registers: Registers, source: MetricsSource): void {
  const gauge = (name: string, help: string, read: () => number) =>
    scrapedGauge(registers, name, help, read)
  gauge(
    'connections',
    'Open WebSocket connections admitted to a room.',
    () => source.stats().connections,
  )
  gauge(
    'rooms',
    'Rooms in memory (a room exists while it has a connection).',
    () => source.stats().rooms,
  )
  gauge(
    'awareness_states',
    'Live awareness states (one per open agent tab) over all rooms.',
    source.awarenessStates,
  )
  gauge(
    'held_connections',
    'Connections held because they are not reading (a frozen or throttled tab): sent nothing but liveness until they read again.',
    () => source.stats().held ?? 0,
  )
}

/**
 * Frames and bytes in and out. Per-frame counts are plain numbers, handed to prom-client only
 * when scraped: a labelled prom-client inc() builds a label hash string per call, once per
 * frame per receiver.
 */
function trafficCounters(registers: Registers): Pick<RelayMetrics, 'frameIn' | 'frameOut'> {
  const framesInByType = zeroByType()
  const framesOutByType = zeroByType()
  const bytes = { in: 0, out: 0 }
  const byType = (name: string, help: string, counts: Record<FrameType, number>) =>
    new Counter({
      name: `${PREFIX}${name}`,
      help,
      labelNames: ['type'],
      registers,
      collect() {
        this.reset()
        for (const t of FRAME_TYPES) this.inc({ type: t }, counts[t])
      },
    })
  const total = (name: string, help: string, read: () => number) =>
    new Counter({
      name: `${PREFIX}${name}`,
      help,
      registers,
      collect() {
        this.reset()
        this.inc(read())
      },
    })
  byType(
    'frames_received_total',
    'Inbound messages from admitted connections, by frame type.',
    framesInByType,
  )
  byType(
    'frames_sent_total',
    'Frames delivered to connections (one per recipient), by frame type.',
    framesOutByType,
  )
  total('received_bytes_total', 'Payload bytes of inbound messages.', () => bytes.in)
  total(
    'sent_bytes_total',
    'Payload bytes of frames delivered (counted once per recipient).',
    () => bytes.out,
  )
  return {
    frameIn(frame) {
      framesInByType[frameTypeOf(frame)]++
      bytes.in += frame.byteLength
    },
    frameOut(frame) {
      framesOutByType[frameTypeOf(frame)]++
      bytes.out += frame.byteLength
    },
  }
}

/** Admissions, refusals, close codes, forged writes and the build info. */
function admissionCounters(
  registers: Registers,
  source: MetricsSource,
): Pick<RelayMetrics, 'admitted' | 'refused' | 'closeSent' | 'forged'> {
  const admissions = counter(
    registers,
    'connections_admitted_total',
    'Connections that passed admission and joined a room.',
  )
  const refusals = counter(
    registers,
    'refusals_total',
    'Connections refused or closed by the relay, by reason.',
    ['reason'],
  )
  const closeCodes = counter(
    registers,
    'close_codes_total',
    'Close frames sent by the relay, by WebSocket close code.',
    ['code'],
  )
  const forgedWrites = counter(
    registers,
    'forged_writes_total',
    "Awareness entries dropped because they wrote another connection's client ID.",
  )
  new Gauge({
    name: `${PREFIX}build_info`,
    help: 'Always 1; the relay version as a label.',
    labelNames: ['version'],
    registers,
  }).set({ version: source.version ?? 'unknown' }, 1)
  // Every known series exists from the start (at 0), so alerts on rate() see the first one.
  for (const code of Object.values(CloseCode)) closeCodes.labels(String(code)).inc(0)
  for (const reason of Object.values(RefusalReason)) refusals.labels(reason).inc(0)
  return {
    admitted: () => admissions.inc(),
    refused(reason, _addr, logLine) {
      refusals.labels(reason).inc()
      logLine?.()
    },
    closeSent: (code) => closeCodes.labels(String(code)).inc(),
    forged: (count) => forgedWrites.inc(count),
  }
}

type BusMetrics = Pick<
  RelayMetrics,
  'busIn' | 'busOut' | 'nodeDown' | 'duplicateNodeId' | 'busQueryCoalesced' | 'busAnswerDeferred'
>

/** Cluster mode: the bus's state, traffic, duplicate node ids, queries and node downs. */
function busMetrics(registers: Registers, source: MetricsSource): BusMetrics {
  const bus = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0 }
  const flag = (name: string, help: string, read: () => number) =>
    scrapedGauge(registers, name, help, read)
  flag(
    'bus_connected',
    'Cluster mode: 1 while the Redis bus is connected (0 otherwise, and without cluster mode).',
    () => (source.bus?.().connected === true ? 1 : 0),
  )
  flag(
    'bus_peers',
    'Cluster mode: other relay nodes heard from within the node timeout.',
    () => source.bus?.().peers ?? 0,
  )
  flag(
    'bus_duplicate_node_id',
    "Cluster mode: 1 while another live node uses this node's id (/readyz answers 503).",
    () => (source.bus?.().duplicateNodeId === true ? 1 : 0),
  )
  const byDirection = (name: string, help: string, read: (dir: 'in' | 'out') => number) =>
    new Counter({
      name: `${PREFIX}${name}`,
      help,
      labelNames: ['direction'],
      registers,
      collect() {
        this.reset()
        this.inc({ direction: 'in' }, read('in'))
        this.inc({ direction: 'out' }, read('out'))
      },
    })
  byDirection(
    'bus_messages_total',
    'Cluster mode: bus messages, by direction (in: from other nodes; out: published).',
    (dir) => (dir === 'in' ? bus.messagesIn : bus.messagesOut),
  )
  byDirection('bus_bytes_total', 'Cluster mode: bytes of bus messages, by direction.', (dir) =>
    dir === 'in' ? bus.bytesIn : bus.bytesOut,
  )
  const duplicateNodeIds = counter(
    registers,
    'bus_duplicate_node_id_total',
    "Cluster mode: bus messages from another live node using this node's SIGHTLINE_NODE_ID.",
  )
  const coalescedQueries = counter(
    registers,
    'bus_queries_coalesced_total',
    'Cluster mode: bus queries not sent again (side=ask) or merged into one answer (side=answer) within the query interval.',
    ['side'],
  )
  const deferredAnswers = counter(
    registers,
    'bus_answers_deferred_total',
    "Cluster mode: answers to bus queries held back by the node's answer byte budget.",
  )
  const nodeDowns = counter(
    registers,
    'bus_node_down_total',
    'Cluster mode: other nodes declared down (silent past the node timeout) or gone.',
  )
  for (const side of ['ask', 'answer']) coalescedQueries.labels(side).inc(0)
  return {
    busIn(n) {
      bus.messagesIn++
      bus.bytesIn += n
    },
    busOut(n) {
      bus.messagesOut++
      bus.bytesOut += n
    },
    nodeDown: () => nodeDowns.inc(),
    duplicateNodeId: () => duplicateNodeIds.inc(),
    busQueryCoalesced: (side) => coalescedQueries.labels(side).inc(),
    busAnswerDeferred: () => deferredAnswers.inc(),
  }
}
