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
 *   only while it holds local tabs there, or holds that mailbox's list (for its summaries).
 * - Late joiners: a node that opens a room it did not hold queries the room's mailbox channel;
 *   the other nodes answer with what they hold, within a bus round trip.
 * - Failure: nodes heartbeat every third of `nodeTimeoutMs`; a node silent past it is declared
 *   down and its states removed everywhere (the sweep checks once a second), a goodbye removes
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
} from '@sightline/protocol'
import type { Logger } from 'pino'
import type { Room, RoomHooks, RoomPeer } from '../core/room.js'
import type { RoomObserver, RoomRegistry } from '../core/room-registry.js'
import type { RelayMetrics } from '../ops/metrics.js'
import type { BusTransport } from './redis-transport.js'

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
  readonly metrics: Pick<RelayMetrics, 'busIn' | 'busOut' | 'nodeDown'>
}

interface PeerNode {
  readonly epoch: number
  lastSeen: number
  /** Owns, in every room here, the states of that node's tabs. */
  readonly owner: RoomPeer
}

export class Cluster implements RoomObserver {
  readonly #init: ClusterInit
  readonly #peers = new Map<string, PeerNode>()
  /** Nodes declared down whose return should bring a query for their states. */
  readonly #wasDown = new Set<string>()
  /** Rooms held here per bus channel (subscribed while non-empty). */
  readonly #channels = new Map<string, Set<Room>>()
  readonly #subscriptions = new Map<string, Promise<void>>()
  readonly #hooks: RoomHooks
  #lastHeartbeat = Number.NEGATIVE_INFINITY
  #closing = false

  constructor(init: ClusterInit) {
    this.#init = init
    this.#hooks = Object.freeze({
      onOwnedStates: (room: Room, states: readonly BusState[]) => {
        if (!this.#closing) this.#publishStates(room.name, states)
      },
      onReply: (room: Room, entryJson: string) => {
        this.#publish(room.name, { kind: BusKind.Replies, room: room.name, entries: [entryJson] })
      },
    })
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

  /** Other nodes heard from within the node timeout. */
  get peers(): number {
    return this.#peers.size
  }

  /**
   * Hooks for a room: rooms of tabs publish their own tabs' states and replies; a mailbox
   * room's states are summaries every node derives for itself.
   */
  hooksFor(name: string): RoomHooks {
    return parseRoom(name)?.kind === 'mailbox' ? {} : this.#hooks
  }

  created(room: Room): void {
    const channel = roomChannel(this.#init.prefix, room.name)
    if (channel === null) return
    let held = this.#channels.get(channel)
    if (held === undefined) {
      held = new Set()
      this.#channels.set(channel, held)
    }
    held.add(room)
    // Whatever the other nodes hold of it, once the channel listens (late joiner, list page).
    this.#subscribe(channel).then(
      () => this.#publish(room.name, { kind: BusKind.Query, room: room.name }),
      () => {},
    )
  }

  deleted(room: Room): void {
    const channel = roomChannel(this.#init.prefix, room.name)
    const held = channel === null ? undefined : this.#channels.get(channel)
    if (channel === null || held === undefined) return
    held.delete(room)
    if (held.size > 0) return
    this.#channels.delete(channel)
    this.#subscriptions.delete(channel)
    this.#init.transport.unsubscribe(channel)
  }

  /**
   * The sweep's turn (once a second): heartbeat when due, and declare down the nodes silent
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
  }

  /**
   * Leaving the cluster (SIGTERM): one goodbye removes this node's tabs everywhere at once, so
   * the closes that follow publish nothing.
   */
  async close(): Promise<void> {
    this.#closing = true
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

  #publishStates(room: string, states: readonly BusState[]): void {
    this.#publish(room, { kind: BusKind.States, room, states: [...states] })
  }

  /** Publishes on the channel of `room`. */
  #publish(room: string, message: BusMessage): void {
    const channel = roomChannel(this.#init.prefix, room)
    if (channel !== null) this.#publishTo(channel, message)
  }

  #publishTo(channel: string, message: BusMessage): void {
    const { transport, nodeId, epoch, metrics } = this.#init
    if (!transport.connected) return
    const bytes = encodeBusMessage(nodeId, epoch, message)
    metrics.busOut(bytes.byteLength)
    transport.publish(channel, bytes)
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
    // Our own messages come back to us (same channels); a former epoch's leftovers too.
    if (envelope.nodeId === nodeId) return
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
        this.#answer(message.room)
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
      peer = { epoch, lastSeen: performance.now(), owner: remoteOwner(id, epoch) }
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
    return this.#init.rooms.ensure(name)
  }

  /** Answers a query: own states and replies of the room, or of every room of the mailbox. */
  #answer(name: string): void {
    const parsed = parseRoom(name)
    const channel = roomChannel(this.#init.prefix, name)
    if (parsed === null || channel === null) return
    const rooms =
      parsed.kind === 'mailbox'
        ? [...(this.#channels.get(channel) ?? [])]
        : [this.#init.rooms.get(name)].filter((r): r is Room => r !== undefined)
    for (const room of rooms) {
      if (parseRoom(room.name)?.kind === 'mailbox') continue
      const states = room.ownStates()
      if (states.length > 0) this.#publishStates(room.name, states)
      const entries = room.document.entries()
      if (entries.length > 0) {
        this.#publish(room.name, { kind: BusKind.Replies, room: room.name, entries })
      }
    }
  }

  /** After a reconnection: publish what this node holds and ask for what the others hold. */
  #resync(): void {
    this.#lastHeartbeat = Number.NEGATIVE_INFINITY
    this.tick()
    this.#queryAll()
    for (const held of this.#channels.values()) {
      for (const room of held) {
        if (parseRoom(room.name)?.kind === 'mailbox') continue
        const states = room.ownStates()
        if (states.length > 0) this.#publishStates(room.name, states)
      }
    }
  }

  /** Asks every node for everything of every room held here (a mailbox at a time). */
  #queryAll(): void {
    const asked = new Set<string>()
    for (const held of this.#channels.values()) {
      for (const room of held) {
        const parsed = parseRoom(room.name)
        const name = parsed?.kind === 'conversation' ? mailboxRoom(parsed.mailboxId) : room.name
        if (asked.has(name)) continue
        asked.add(name)
        this.#publish(name, { kind: BusKind.Query, room: name })
      }
    }
  }
}

/** The stand-in owner of one node's tabs' states (never a connection: sends nothing). */
function remoteOwner(nodeId: string, epoch: number): RoomPeer {
  return Object.freeze({
    id: `node:${nodeId}:${epoch}`,
    subject: '',
    remote: true,
    claims: Object.freeze({ sub: '', name: nodeId, rooms: [], exp: Number.POSITIVE_INFINITY }),
    send() {},
  })
}
