/**
 * The metrics of one relay, on its own prom-client Registry (nothing global: two relays in
 * one process keep separate counts). The hot path only increments pre-labelled counters;
 * gauges (connections, rooms, awareness states) are read from the relay when scraped.
 * Nothing is labelled by room or by agent, so the number of series stays fixed.
 */
import { CloseCode, MessageType } from '@sightline/protocol'
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
      // [1 awareness][varUint length 1][varUint 0 entries]
      return frame.length === 3 && frame[1] === 1 && frame[2] === 0
        ? FrameType.Heartbeat
        : FrameType.Awareness
    case MessageType.QueryAwareness:
      return FrameType.Query
    default:
      return FrameType.Other
  }
}

/** What the gauges read at scrape time. */
export interface MetricsSource {
  stats(): { readonly rooms: number; readonly connections: number }
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

/** Creates the registry and metrics of one relay. */
export function createRelayMetrics(source: MetricsSource): RelayMetrics {
  const registry = new Registry()
  const registers = [registry]
  new Gauge({
    name: `${PREFIX}connections`,
    help: 'Open WebSocket connections admitted to a room.',
    registers,
    collect() {
      this.set(source.stats().connections)
    },
  })
  new Gauge({
    name: `${PREFIX}rooms`,
    help: 'Rooms in memory (a room exists while it has a connection).',
    registers,
    collect() {
      this.set(source.stats().rooms)
    },
  })
  new Gauge({
    name: `${PREFIX}awareness_states`,
    help: 'Live awareness states (one per open agent tab) over all rooms.',
    registers,
    collect() {
      this.set(source.awarenessStates())
    },
  })
  // Per-frame counts are plain numbers, handed to prom-client only when scraped: a labelled
  // prom-client inc() builds a label hash string per call, once per frame per receiver.
  const framesInByType = zeroByType()
  const framesOutByType = zeroByType()
  const bytes = { in: 0, out: 0 }
  new Counter({
    name: `${PREFIX}frames_received_total`,
    help: 'Inbound messages from admitted connections, by frame type.',
    labelNames: ['type'],
    registers,
    collect() {
      this.reset()
      for (const t of FRAME_TYPES) this.inc({ type: t }, framesInByType[t])
    },
  })
  new Counter({
    name: `${PREFIX}frames_sent_total`,
    help: 'Frames delivered to connections (one per recipient), by frame type.',
    labelNames: ['type'],
    registers,
    collect() {
      this.reset()
      for (const t of FRAME_TYPES) this.inc({ type: t }, framesOutByType[t])
    },
  })
  new Counter({
    name: `${PREFIX}received_bytes_total`,
    help: 'Payload bytes of inbound messages.',
    registers,
    collect() {
      this.reset()
      this.inc(bytes.in)
    },
  })
  new Counter({
    name: `${PREFIX}sent_bytes_total`,
    help: 'Payload bytes of frames delivered (counted once per recipient).',
    registers,
    collect() {
      this.reset()
      this.inc(bytes.out)
    },
  })
  const admissions = new Counter({
    name: `${PREFIX}connections_admitted_total`,
    help: 'Connections that passed admission and joined a room.',
    registers,
  })
  const refusals = new Counter({
    name: `${PREFIX}refusals_total`,
    help: 'Connections refused or closed by the relay, by reason.',
    labelNames: ['reason'],
    registers,
  })
  const closeCodes = new Counter({
    name: `${PREFIX}close_codes_total`,
    help: 'Close frames sent by the relay, by WebSocket close code.',
    labelNames: ['code'],
    registers,
  })
  const forgedWrites = new Counter({
    name: `${PREFIX}forged_writes_total`,
    help: "Awareness entries dropped because they wrote another connection's client ID.",
    registers,
  })
  new Gauge({
    name: `${PREFIX}build_info`,
    help: 'Always 1; the relay version as a label.',
    labelNames: ['version'],
    registers,
  }).set({ version: source.version ?? 'unknown' }, 1)
  new Gauge({
    name: `${PREFIX}bus_connected`,
    help: 'Cluster mode: 1 while the Redis bus is connected (0 otherwise, and without cluster mode).',
    registers,
    collect() {
      this.set(source.bus?.().connected === true ? 1 : 0)
    },
  })
  new Gauge({
    name: `${PREFIX}bus_peers`,
    help: 'Cluster mode: other relay nodes heard from within the node timeout.',
    registers,
    collect() {
      this.set(source.bus?.().peers ?? 0)
    },
  })
  const bus = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0 }
  new Counter({
    name: `${PREFIX}bus_messages_total`,
    help: 'Cluster mode: bus messages, by direction (in: from other nodes; out: published).',
    labelNames: ['direction'],
    registers,
    collect() {
      this.reset()
      this.inc({ direction: 'in' }, bus.messagesIn)
      this.inc({ direction: 'out' }, bus.messagesOut)
    },
  })
  new Counter({
    name: `${PREFIX}bus_bytes_total`,
    help: 'Cluster mode: bytes of bus messages, by direction.',
    labelNames: ['direction'],
    registers,
    collect() {
      this.reset()
      this.inc({ direction: 'in' }, bus.bytesIn)
      this.inc({ direction: 'out' }, bus.bytesOut)
    },
  })
  const duplicateNodeIds = new Counter({
    name: `${PREFIX}bus_duplicate_node_id_total`,
    help: "Cluster mode: bus messages from another live node using this node's SIGHTLINE_NODE_ID.",
    registers,
  })
  new Gauge({
    name: `${PREFIX}bus_duplicate_node_id`,
    help: "Cluster mode: 1 while another live node uses this node's id (/readyz answers 503).",
    registers,
    collect() {
      this.set(source.bus?.().duplicateNodeId === true ? 1 : 0)
    },
  })
  const coalescedQueries = new Counter({
    name: `${PREFIX}bus_queries_coalesced_total`,
    help: 'Cluster mode: bus queries not sent again (side=ask) or merged into one answer (side=answer) within the query interval.',
    labelNames: ['side'],
    registers,
  })
  const deferredAnswers = new Counter({
    name: `${PREFIX}bus_answers_deferred_total`,
    help: "Cluster mode: answers to bus queries held back by the node's answer byte budget.",
    registers,
  })
  const nodeDowns = new Counter({
    name: `${PREFIX}bus_node_down_total`,
    help: 'Cluster mode: other nodes declared down (silent past the node timeout) or gone.',
    registers,
  })
  // Every known series exists from the start (at 0), so alerts on rate() see the first one.
  for (const code of Object.values(CloseCode)) closeCodes.labels(String(code)).inc(0)
  for (const reason of Object.values(RefusalReason)) refusals.labels(reason).inc(0)
  for (const side of ['ask', 'answer']) coalescedQueries.labels(side).inc(0)
  const stop = startProcessMetrics(registry)

  return {
    registry,
    frameIn(frame) {
      framesInByType[frameTypeOf(frame)]++
      bytes.in += frame.byteLength
    },
    frameOut(frame) {
      framesOutByType[frameTypeOf(frame)]++
      bytes.out += frame.byteLength
    },
    admitted: () => admissions.inc(),
    refused(reason, _addr, logLine) {
      refusals.labels(reason).inc()
      logLine?.()
    },
    closeSent: (code) => closeCodes.labels(String(code)).inc(),
    forged: (count) => forgedWrites.inc(count),
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
    stop,
  }
}
