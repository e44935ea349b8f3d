/**
 * The rooms of one relay, in memory. A room exists while it has a connection: it is created
 * by the first and deleted, with its document and awareness table, when the last one leaves.
 */
import { Room, type RoomLimits, type RoomPeer } from './room.js'

export class RoomRegistry {
  readonly #rooms = new Map<string, Room>()
  readonly #limits: RoomLimits | undefined

  /** `limits` apply to every room it creates (default: the relay's default options). */
  constructor(limits?: RoomLimits) {
    this.#limits = limits
  }

  get size(): number {
    return this.#rooms.size
  }

  /** The room named `name`, created if needed, with `peer` joined to it. */
  join(name: string, peer: RoomPeer): Room {
    let room = this.#rooms.get(name)
    if (room === undefined) {
      room = new Room(name, this.#limits)
      this.#rooms.set(name, room)
    }
    room.join(peer)
    return room
  }

  /** Takes `peer` out of `room` and frees the room if it is now empty. */
  leave(room: Room, peer: RoomPeer): void {
    room.leave(peer)
    if (room.size === 0 && this.#rooms.get(room.name) === room) {
      this.#rooms.delete(room.name)
      room.destroy()
    }
  }

  /** Connections in the room named `name` (0 when it does not exist). */
  peersIn(name: string): number {
    return this.#rooms.get(name)?.size ?? 0
  }

  values(): IterableIterator<Room> {
    return this.#rooms.values()
  }
}
