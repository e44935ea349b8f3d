/**
 * Capacity limits checked once per admitted connection, right after the upgrade and before
 * it joins its room: total connections, connections per room, rooms (only when the room
 * would be new), and connections per token subject. Relay-wide limits answer 1013 ("try
 * again later": the client retries with backoff); the per-subject limit answers 4429, as it
 * is that agent's own doing.
 */
import type { RelayOptions } from '../config/options.js'
import { RefusalReason } from '../refusal.js'

export type CapacityLimits = Pick<
  RelayOptions,
  'maxConnections' | 'maxConnectionsPerRoom' | 'maxRooms' | 'maxConnectionsPerSubject'
>

/** What the relay holds now, as seen by the connection about to join. */
export interface CapacityUsage {
  readonly connections: number
  readonly rooms: number
  /** Connections already in the room it wants (0: the room would be new). */
  readonly inRoom: number
  /** Connections its token subject already holds. */
  readonly ofSubject: number
}

/**
 * The first limit one more connection would pass (its refusal reason; codes: refusal.ts), or
 * null when it fits.
 */
export function checkCapacity(usage: CapacityUsage, limits: CapacityLimits): RefusalReason | null {
  if (usage.connections >= limits.maxConnections) return RefusalReason.RelayFull
  if (usage.inRoom >= limits.maxConnectionsPerRoom) return RefusalReason.RoomFull
  if (usage.inRoom === 0 && usage.rooms >= limits.maxRooms) return RefusalReason.TooManyRooms
  if (usage.ofSubject >= limits.maxConnectionsPerSubject) return RefusalReason.SubjectLimit
  return null
}

/** Connections per token subject; a subject with none takes no memory. */
export class SubjectCounts {
  readonly #counts = new Map<string, number>()

  of(subject: string): number {
    return this.#counts.get(subject) ?? 0
  }

  add(subject: string): void {
    this.#counts.set(subject, this.of(subject) + 1)
  }

  remove(subject: string): void {
    const n = this.of(subject) - 1
    if (n > 0) this.#counts.set(subject, n)
    else this.#counts.delete(subject)
  }
}
