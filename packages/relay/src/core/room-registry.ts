/**
 * The rooms of one relay, in memory. A room exists while it has a connection: it is created
 * by the first and deleted, with its document and awareness table, when the last one leaves,
 * or, if that one left abruptly, when the sweep releases its states after the removal grace
 * (so a lone tab whose socket the browser closes on resume keeps its room, and the mailbox
 * list keeps showing it, while it reconnects). In cluster mode a room left with only other
 * nodes' states is kept only while the observer `keeps` it (see freeIfIdle).
 */
import { Room, type RoomLimits, type RoomPeer } from './room.js'
import type { RoomWiring } from './room-wiring.js'

/**
 * Told when rooms come and go, and gives each new room its wiring (room-wiring.ts). The
 * relay's one observer is written out in relay-wiring.ts (`wireRooms`): the mailbox summaries
 * and, in cluster mode, the cluster, each called by name.
 */
export interface RoomObserver {
  wiringFor(name: string): RoomWiring<Room>
  /** A room was created; no peer has joined it yet. */
  created(room: Room): void
  /** A room was freed (its last peer left). */
  deleted(room: Room): void
  /**
   * Whether a room no connection holds (no peer, no abrupt leaver in its grace) is kept for
   * the other nodes' states it holds (cluster.ts: a conversation, while this node holds its
   * mailbox's list). Absent: kept while it holds any.
   */
  keeps?(room: Room): boolean
}

export class RoomRegistry {
  readonly #rooms = new Map<string, Room>()
  readonly #limits: RoomLimits | undefined
  #observer: RoomObserver | undefined

  /** `limits` apply to every room it creates (default: the relay's default options). */
  constructor(limits?: RoomLimits, observer?: RoomObserver) {
    this.#limits = limits
    this.#observer = observer
  }

  /**
   * Sets the observer when it is made after the registry (the cluster needs the registry):
   * once, before any room exists.
   */
  observe(observer: RoomObserver): void {
    if (this.#observer !== undefined || this.#rooms.size > 0) {
      throw new Error('the room registry is observed once, before its first room')
    }
    this.#observer = observer
  }

  get size(): number {
    return this.#rooms.size
  }

  /** The room named `name`, created if needed, with `peer` joined to it. */
  join(name: string, peer: RoomPeer): Room {
    const room = this.ensure(name)
    room.join(peer)
    return room
  }

  #create(name: string): Room {
    const room = new Room(name, this.#limits, this.#observer?.wiringFor(name))
    room.onIdle = () => this.#free(room)
    this.#rooms.set(name, room)
    this.#observer?.created(room)
    return room
  }

  /** The room named `name`, if held. */
  get(name: string): Room | undefined {
    return this.#rooms.get(name)
  }

  /**
   * The room named `name`, created without a peer if needed (cluster mode: a room holding
   * other nodes' states, for a mailbox list's summaries). Freed by `freeIfIdle`.
   */
  ensure(name: string): Room {
    return this.#rooms.get(name) ?? this.#create(name)
  }

  /**
   * Frees `room` if it holds nothing any more (no peer, no held or remote state), or only
   * other nodes' states its observer does not keep it for (`RoomObserver.keeps`).
   */
  freeIfIdle(room: Room): void {
    if (room.idle || (room.occupants === 0 && this.#observer?.keeps?.(room) === false)) {
      this.#free(room)
    }
  }

  /**
   * Takes `peer` out of `room` and frees the room if it is now idle (no peer, no state held
   * for an abrupt leaver). `abrupt`: see `Room.leave`.
   */
  leave(room: Room, peer: RoomPeer, abrupt = false): void {
    room.leave(peer, abrupt)
    this.freeIfIdle(room)
  }

  #free(room: Room): void {
    if (this.#rooms.get(room.name) !== room) return
    this.#rooms.delete(room.name)
    room.destroy()
    this.#observer?.deleted(room)
  }

  /**
   * Connections the room named `name` holds: connected, plus abrupt leavers whose states it
   * still keeps (0 when it does not exist).
   */
  peersIn(name: string): number {
    return this.#rooms.get(name)?.occupants ?? 0
  }

  values(): IterableIterator<Room> {
    return this.#rooms.values()
  }
}
