/**
 * Cluster mode: relay nodes share rooms through a bus (Redis pub/sub, redis-transport.ts),
 * so the agents of one conversation see each other whichever node each tab landed on. The
 * bus format and channel layout are in `@sightline/protocol` bus.ts.
 *
 * - What travels: the states of each node's own tabs (as that node forwards them: identity and
 *   `since` checked), the reply entries its relay wrote, queries for a room's (or a whole
 *   mailbox's) current states, node heartbeats and goodbyes. Receivers re-clock every state
 *   with their own relay clocks: a browser only ever compares clocks of its own relay.
 * - Where it lives: another node's states sit in the same Room objects as local ones, owned by
 *   one stand-in owner per node (`remote: true`), so the fold, the refresh, the mailbox
 *   summaries and the join snapshot need nothing new. A node keeps a room for remote states
 *   only while it holds local tabs there, or holds that mailbox's list (for its summaries):
 *   `keeps`, which the registry asks; freeing the list frees such rooms of its mailbox too.
 * - Late joiners: a node that opens a room it did not hold queries the room's mailbox channel;
 *   the other nodes answer with what they hold, within a bus round trip. Queries are budgeted
 *   (`QUERY_INTERVAL_MS`, `ANSWER_BYTES_PER_S`): a node asks for a room at most once per
 *   interval (more asks are sent as one at its end), answers a room at most once per interval
 *   (queries meanwhile get that one answer), answers only its own tabs' states of what was
 *   asked, and spends at most a byte budget per second on answers (past it they wait).
 * - Node ids: a message with this node's id but another epoch comes from another live process
 *   started with the same SIGHTLINE_NODE_ID (the two would silently split: each takes the
 *   other's messages for its own). It is logged as an error (once per interval), counted, and
 *   /readyz answers 503 until none has come for the node timeout.
 * - Failure: nodes heartbeat every third of `nodeTimeoutMs`; a node silent past it is declared
 *   down and its states removed everywhere (the sweep checks every `sweepIntervalMs`), a goodbye removes
 *   them at once, and a higher epoch of the same node id replaces the former one. A node that
 *   loses the bus drops the others the same way, and on reconnecting publishes its own states
 *   and queries its mailboxes (a resync). Redis pub/sub delivers at most once: the relay's
 *   refresh republishes each own state every `refreshIntervalMs`, which heals a lost message.
 * - Moving tabs: a tab that reconnects to another node keeps its client ID; that node takes it
 *   over (same agent) and publishes it, and the former node's connection yields it, so its
 *   close removes nothing.
 */
import {
  BusKind,
  type BusMessage,
  type BusState,
  encodeBusMessage,
  isValidRoomName,
  mailboxRoom,
  nodesChannel,
  parseRoom,
  readBusMessage,
  roomChannel,
  type Timer,
} from '@sightline/protocol'
import type { Logger } from 'pino'
import { type Room, type RoomPeer, standInOwner } from '../core/room.js'
import type { RoomRegistry } from '../core/room-registry.js'
import type { BusListener } from '../core/room-wiring.js'
import type { RelayMetrics } from '../ops/metrics.js'
import type { BusTransport } from './redis-transport.js'

/**
 * A node asks the bus for a room (or a mailbox) at most once per this interval (ms), and
 * answers a queried room at most once per it; queries within it are coalesced into one sent
 * (or answered) at its end. A list page opened and closed in a loop costs one query and one
 * answer per second, not one per cycle (~190 KB each for a busy mailbox).
 */
export const QUERY_INTERVAL_MS = 1000

/**
 * Bytes per second a node spends on answers to bus queries (a token bucket, `ANSWER_BURST_BYTES`
 * deep). Past it, answers due are deferred, never dropped: they go once the budget refills.
 */
export const ANSWER_BYTES_PER_S = 256 * 1024

/** The depth of the answer byte budget: one large mailbox answer at once. */
export const ANSWER_BURST_BYTES = 1024 * 1024

/** A duplicate node id is logged (at error) at most once per this interval (ms). */
export const DUPLICATE_LOG_INTERVAL_MS = 10_000

export interface ClusterInit {
  readonly nodeId: string
  /** Rises with every start of the node (its start time in ms). */
  readonly epoch: number
  readonly prefix: string
  /** A node silent this long (ms) is declared down; heartbeats go every third of it. */
  readonly nodeTimeoutMs: number
  readonly transport: BusTransport
  readonly rooms: RoomRegistry
  readonly log: Logger
  readonly metrics: Pick<
    RelayMetrics,
    'busIn' | 'busOut' | 'nodeDown' | 'duplicateNodeId' | 'busQueryCoalesced' | 'busAnswerDeferred'
  >
}

interface PeerNode {
  readonly epoch: number
  lastSeen: number
  /** Owns, in every room here, the states of that node's tabs. */
  readonly owner: RoomPeer
}

/**
 * One node's part of the cluster: the bus listener of its rooms (room-wiring.ts), told by the
 * registry when rooms come and go (relay-wiring.ts), and the receiver of the other nodes'
 * messages.
 */
export class Cluster implements BusListener<Room> {
  readonly #init: ClusterInit
  readonly #peers = new Map<string, PeerNode>()
  /** Nodes declared down whose return should bring a query for their states. */
  readonly #wasDown = new Set<string>()
  /** Rooms held here per bus channel (subscribed while non-empty). */
  readonly #channels = new Map<string, Set<Room>>()
  readonly #subscriptions = new Map<string, Promise<void>>()
  #lastHeartbeat = Number.NEGATIVE_INFINITY
  #closing = false
  /** When (monotonic ms) this node last asked for each room or mailbox (pruned by `tick`). */
  readonly #asked = new Map<string, number>()
  /** Asks coalesced into one at the end of their interval. */
  readonly #askLater = new Map<string, Timer>()
  /** When (monotonic ms) this node last answered each queried room or mailbox. */
  readonly #answered = new Map<string, number>()
  /** Queried rooms and mailboxes owed an answer (insertion order: oldest first). */
  readonly #owed = new Set<string>()
  #answerTimer: Timer | null = null
  /** The answer byte budget (may go below 0: one large answer is sent, then waited for). */
  #answerBytes = ANSWER_BURST_BYTES
  #answerBytesAt = performance.now()
  /** Set while a room is created for other nodes' states (no query: the mailbox's covers it). */
  #adopting = false
  /** When (monotonic ms) a message came with this node's id and another epoch. */
  #duplicateAt = Number.NEGATIVE_INFINITY
  #duplicateLoggedAt = Number.NEGATIVE_INFINITY

  constructor(init: ClusterInit) {
    this.#init = init
    init.transport.onMessage((_channel, bytes) => this.#receive(bytes))
    init.transport.onStatus((connected) => {
      if (connected) this.#resync()
    })
    init.transport.subscribe(nodesChannel(init.prefix)).catch((error: Error) => {
      init.log.warn({ err: error.message }, 'bus subscribe failed')
    })
  }

  /** The bus is connected (`/readyz` is not ready without it). */
  get ready(): boolean {
    return this.#init.transport.connected
  }

  /**
   * Another live process uses this node's id: a message with it and another epoch came
   * within the node timeout (`/readyz` is not ready meanwhile).
   */
  get duplicateNodeId(): boolean {
    return performance.now() - this.#duplicateAt <= this.#init.nodeTimeoutMs
  }

  /**
   * Whether a room no local connection holds any more (only other nodes' states) is kept:
   * a conversation only while this node holds its mailbox's list room (whose summaries need
   * it); anything else is freed (and its channel unsubscribed when it was the last).
   */
  keeps(room: Room): boolean {
    const parsed = parseRoom(room.name)
    return (
      parsed?.kind === 'conversation' &&
      this.#init.rooms.get(mailboxRoom(parsed.mailboxId)) !== undefined
    )
  }

  /** Other nodes heard from within the node timeout. */
  get peers(): number {
    return this.#peers.size
  }

  /** States of this node's own tabs in `room` changed: published to the other nodes. */
  ownStates(room: Room, states: readonly BusState[]): void {
    if (!this.#closing) this.#publishStates(room.name, states)
  }

  /** This node's relay wrote a reply entry into `room`'s document: the other nodes append it. */
  reply(room: Room, entryJson: string): void {
    this.#publish(room.name, { kind: BusKind.Replies, room: room.name, entries: [entryJson] })
  }

  created(room: Room): void {
    const channel = roomChannel(this.#init.prefix, room.name)
    if (channel === null) return
    let onChannel = this.#channels.get(channel)
    if (onChannel === undefined) {
      onChannel = new Set()
      this.#channels.set(channel, onChannel)
    }
    onChannel.add(room)
    // Whatever the other nodes hold of it, once the channel listens (late joiner, list page);
    // a room made for states that came with its mailbox's answer needs no query of its own.
    const ask = !this.#adopting
    this.#subscribe(channel).then(
      () => {
        if (ask) this.#query(room.name)
      },
      () => {},
    )
  }

  deleted(room: Room): void {
    const channel = roomChannel(this.#init.prefix, room.name)
    const onChannel = channel === null ? undefined : this.#channels.get(channel)
    if (channel === null || onChannel === undefined) return
    onChannel.delete(room)
    // The list is gone: the conversations it kept for its summaries go too, if nothing else
    // holds them (each one's `deleted` comes back here).
    if (parseRoom(room.name)?.kind === 'mailbox') {
      for (const other of [...onChannel]) this.#init.rooms.freeIfIdle(other)
    }
    if (onChannel.size > 0) return
    this.#channels.delete(channel)
    this.#subscriptions.delete(channel)
    this.#init.transport.unsubscribe(channel)
  }

  /**
   * The sweep's turn (every `sweepIntervalMs`): heartbeat when due, and declare down the nodes silent
   * past the node timeout.
   */
  tick(now: number = performance.now()): void {
    const { nodeTimeoutMs } = this.#init
    if (now - this.#lastHeartbeat >= nodeTimeoutMs / 3) {
      this.#lastHeartbeat = now
      this.#publishTo(nodesChannel(this.#init.prefix), { kind: BusKind.Heartbeat })
    }
    for (const [id, peer] of this.#peers) {
      if (now - peer.lastSeen > nodeTimeoutMs) {
        this.#init.log.warn({ node: id, silentMs: Math.round(now - peer.lastSeen) }, 'node down')
        this.#down(id, peer)
        this.#wasDown.add(id)
      }
    }
    // Rooms whose last local holder's grace ran out while other nodes' states remained.
    for (const room of [...this.#init.rooms.values()]) {
      if (room.occupants === 0) this.#init.rooms.freeIfIdle(room)
    }
    for (const [name, at] of this.#asked) {
      if (now - at >= QUERY_INTERVAL_MS) this.#asked.delete(name)
    }
    for (const [name, at] of this.#answered) {
      if (now - at >= QUERY_INTERVAL_MS && !this.#owed.has(name)) this.#answered.delete(name)
    }
  }

  /**
   * Leaving the cluster (SIGTERM): one goodbye removes this node's tabs everywhere at once, so
   * the closes that follow publish nothing.
   */
  async close(): Promise<void> {
    if (this.#closing) return
    this.#closing = true
    for (const timer of this.#askLater.values()) clearTimeout(timer)
    this.#askLater.clear()
    if (this.#answerTimer !== null) clearTimeout(this.#answerTimer)
    this.#answerTimer = null
    this.#owed.clear()
    this.#publishTo(nodesChannel(this.#init.prefix), { kind: BusKind.Goodbye })
    await this.#init.transport.close()
  }

  #subscribe(channel: string): Promise<void> {
    let subscription = this.#subscriptions.get(channel)
    if (subscription === undefined) {
      subscription = this.#init.transport.subscribe(channel)
      subscription.catch((error: Error) => {
        this.#init.log.warn({ err: error.message, channel }, 'bus subscribe failed')
        this.#subscriptions.delete(channel)
      })
      this.#subscriptions.set(channel, subscription)
    }
    return subscription
  }

  /** Publishes `states` of `room`; returns the bytes published. */
  #publishStates(room: string, states: readonly BusState[]): number {
    return this.#publish(room, { kind: BusKind.States, room, states: [...states] })
  }

  /** Publishes on the channel of `room`; returns the bytes published. */
  #publish(room: string, message: BusMessage): number {
    const channel = roomChannel(this.#init.prefix, room)
    return channel === null ? 0 : this.#publishTo(channel, message)
  }

  #publishTo(channel: string, message: BusMessage): number {
    const { transport, nodeId, epoch, metrics } = this.#init
    if (!transport.connected) return 0
    const bytes = encodeBusMessage(nodeId, epoch, message)
    metrics.busOut(bytes.byteLength)
    transport.publish(channel, bytes)
    return bytes.byteLength
  }

  /**
   * Asks the other nodes for what they hold of `name` (a room, or a mailbox list for all its
   * conversations): at once, or, when asked within `QUERY_INTERVAL_MS`, once at the end of
   * the interval if this node still holds something it covers.
   */
  #query(name: string): void {
    if (this.#closing) return
    const now = performance.now()
    const last = this.#asked.get(name)
    if (last === undefined || now - last >= QUERY_INTERVAL_MS) {
      this.#asked.set(name, now)
      this.#publish(name, { kind: BusKind.Query, room: name })
      return
    }
    this.#init.metrics.busQueryCoalesced('ask')
    if (this.#askLater.has(name)) return
    const timer = setTimeout(
      () => {
        this.#askLater.delete(name)
        if (this.#covers(name)) this.#query(name)
      },
      last + QUERY_INTERVAL_MS - now,
    )
    timer.unref()
    this.#askLater.set(name, timer)
  }

  /** This node holds `name`, or for a mailbox list, some room of that mailbox. */
  #covers(name: string): boolean {
    if (this.#init.rooms.get(name) !== undefined) return true
    if (parseRoom(name)?.kind !== 'mailbox') return false
    const channel = roomChannel(this.#init.prefix, name)
    return channel !== null && (this.#channels.get(channel)?.size ?? 0) > 0
  }

  /**
   * A query for `name` came: answered now if this node has not answered it within the query
   * interval and the answer byte budget allows, else once both do (queries meanwhile share
   * that answer).
   */
  #queried(name: string): void {
    const last = this.#answered.get(name)
    const recent = last !== undefined && performance.now() - last < QUERY_INTERVAL_MS
    if (this.#owed.has(name) || recent) {
      this.#init.metrics.busQueryCoalesced('answer')
    }
    this.#owed.add(name)
    this.#answerOwed()
  }

  /** Sends the answers that are due and within the byte budget; schedules the rest. */
  #answerOwed(): void {
    if (this.#answerTimer !== null) {
      clearTimeout(this.#answerTimer)
      this.#answerTimer = null
    }
    if (this.#closing || this.#owed.size === 0) return
    const now = performance.now()
    this.#answerBytes = Math.min(
      ANSWER_BURST_BYTES,
      this.#answerBytes + ((now - this.#answerBytesAt) * ANSWER_BYTES_PER_S) / 1000,
    )
    this.#answerBytesAt = now
    let wait = Number.POSITIVE_INFINITY
    for (const name of this.#owed) {
      const dueIn = (this.#answered.get(name) ?? Number.NEGATIVE_INFINITY) + QUERY_INTERVAL_MS - now
      if (dueIn > 0) {
        wait = Math.min(wait, dueIn)
        continue
      }
      if (this.#answerBytes <= 0) {
        this.#init.metrics.busAnswerDeferred()
        wait = Math.min(wait, (-this.#answerBytes * 1000) / ANSWER_BYTES_PER_S + 1)
        break
      }
      this.#owed.delete(name)
      this.#answered.set(name, now)
      this.#answerBytes -= this.#answer(name)
    }
    if (wait === Number.POSITIVE_INFINITY) return
    this.#answerTimer = setTimeout(() => this.#answerOwed(), Math.max(1, Math.ceil(wait)))
    this.#answerTimer.unref()
  }

  #receive(bytes: Uint8Array): void {
    const { nodeId, log, metrics } = this.#init
    let envelope: ReturnType<typeof readBusMessage>
    try {
      envelope = readBusMessage(bytes)
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'malformed bus message dropped')
      return
    }
    // Our own messages come back to us (same channels). Another epoch with our id is another
    // live process started with the same node id.
    if (envelope.nodeId === nodeId) {
      if (envelope.epoch !== this.#init.epoch) this.#duplicate(envelope.epoch, envelope.message)
      return
    }
    metrics.busIn(bytes.byteLength)
    const peer = this.#peer(envelope.nodeId, envelope.epoch)
    if (peer === null) return
    const message = envelope.message
    if ('room' in message && !isValidRoomName(message.room)) return
    switch (message.kind) {
      case BusKind.Heartbeat:
        return
      case BusKind.Goodbye:
        log.info({ node: envelope.nodeId }, 'node left')
        this.#down(envelope.nodeId, peer)
        return
      case BusKind.States: {
        const room = this.#roomFor(message.room)
        if (room === null) return
        room.applyRemote(peer.owner, message.states)
        this.#init.rooms.freeIfIdle(room)
        return
      }
      case BusKind.Query:
        this.#queried(message.room)
        return
      case BusKind.Replies:
        this.#init.rooms.get(message.room)?.document.addEntries(message.entries)
        return
    }
  }

  /** The node record of a sender; null for a message from a former epoch of a known node. */
  #peer(id: string, epoch: number): PeerNode | null {
    let peer = this.#peers.get(id)
    if (peer !== undefined && peer.epoch > epoch) return null
    if (peer !== undefined && peer.epoch < epoch) {
      // The node restarted: whatever its former self held is gone.
      this.#down(id, peer)
      peer = undefined
    }
    if (peer === undefined) {
      peer = {
        epoch,
        lastSeen: performance.now(),
        owner: standInOwner(`node:${id}:${epoch}`, id, true),
      }
      this.#peers.set(id, peer)
      // Back after we declared it down (a stall, a partition): ask for what it holds.
      if (this.#wasDown.delete(id)) this.#queryAll()
    }
    peer.lastSeen = performance.now()
    return peer
  }

  /** Removes everything `peer` held, in every room here. */
  #down(id: string, peer: PeerNode): void {
    if (this.#peers.get(id) === peer) this.#peers.delete(id)
    this.#init.metrics.nodeDown()
    for (const room of [...this.#init.rooms.values()]) {
      room.releaseRemote(peer.owner)
      this.#init.rooms.freeIfIdle(room)
    }
  }

  /**
   * The room a remote message is about: the one held here, or a new one when this node holds
   * that mailbox's list (whose summaries need every conversation); else null (not our concern).
   */
  #roomFor(name: string): Room | null {
    const held = this.#init.rooms.get(name)
    if (held !== undefined) return held
    const parsed = parseRoom(name)
    if (parsed?.kind !== 'conversation') return null
    if (this.#init.rooms.get(mailboxRoom(parsed.mailboxId)) === undefined) return null
    this.#adopting = true
    try {
      return this.#init.rooms.ensure(name)
    } finally {
      this.#adopting = false
    }
  }

  /**
   * Answers a query, with only what was asked: this node's own tabs' states and the replies
   * of the room, or of every conversation of the mailbox. Rooms no local connection holds
   * answer nothing (their states and replies are other nodes' to tell). Returns the bytes.
   */
  #answer(name: string): number {
    const parsed = parseRoom(name)
    const channel = roomChannel(this.#init.prefix, name)
    if (parsed === null || channel === null) return 0
    const rooms =
      parsed.kind === 'mailbox'
        ? [...(this.#channels.get(channel) ?? [])]
        : [this.#init.rooms.get(name)].filter((r): r is Room => r !== undefined)
    let bytes = 0
    for (const room of rooms) {
      if (room.occupants === 0 || parseRoom(room.name)?.kind === 'mailbox') continue
      bytes += this.#publishOwn(room)
      const entries = room.document.entries()
      if (entries.length > 0) {
        bytes += this.#publish(room.name, { kind: BusKind.Replies, room: room.name, entries })
      }
    }
    return bytes
  }

  /**
   * A message with this node's id from another epoch: another live process uses our id. Its
   * goodbye ends the condition at once; otherwise it lasts until none came for the node
   * timeout (`duplicateNodeId`).
   */
  #duplicate(epoch: number, message: BusMessage): void {
    const { log, metrics, nodeId } = this.#init
    metrics.duplicateNodeId()
    if (message.kind === BusKind.Goodbye) {
      this.#duplicateAt = Number.NEGATIVE_INFINITY
      return
    }
    const now = performance.now()
    this.#duplicateAt = now
    if (now - this.#duplicateLoggedAt < DUPLICATE_LOG_INTERVAL_MS) return
    this.#duplicateLoggedAt = now
    log.error(
      { node: nodeId, epoch: this.#init.epoch, otherEpoch: epoch },
      "another live relay node uses this SIGHTLINE_NODE_ID: the two do not see each other's tabs; give each node its own id (/readyz answers 503 meanwhile)",
    )
  }

  /** After a reconnection: publish what this node holds and ask for what the others hold. */
  #resync(): void {
    this.#lastHeartbeat = Number.NEGATIVE_INFINITY
    this.tick()
    this.#queryAll()
    for (const onChannel of this.#channels.values()) {
      for (const room of onChannel) {
        if (parseRoom(room.name)?.kind !== 'mailbox') this.#publishOwn(room)
      }
    }
  }

  /** Publishes the live states of this node's own tabs in `room`; returns the bytes. */
  #publishOwn(room: Room): number {
    const states = room.ownStates()
    return states.length > 0 ? this.#publishStates(room.name, states) : 0
  }

  /** Asks every node for everything of every room held here (a mailbox at a time). */
  #queryAll(): void {
    const asked = new Set<string>()
    for (const onChannel of this.#channels.values()) {
      for (const room of onChannel) {
        const parsed = parseRoom(room.name)
        const name = parsed?.kind === 'conversation' ? mailboxRoom(parsed.mailboxId) : room.name
        if (asked.has(name)) continue
        asked.add(name)
        this.#query(name)
      }
    }
  }
}
