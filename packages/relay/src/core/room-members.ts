/**
 * Who is in a room: its connected peers, and the peers that left abruptly whose states the
 * room still keeps for the removal grace (`removalGraceOf`).
 *
 * A peer whose socket closed without it nulling its states first (a browser closing a resumed
 * frozen tab's socket, a network error) keeps its states for the grace, so the same tab
 * reconnecting at once takes them over (AwarenessTable.classify) and nobody sees it leave.
 * The sweep releases whatever it still owns afterwards (`takeDue`). One grace per room, so
 * insertion order is due order.
 */
export class RoomMembers<P> {
  /** The connected peers (the room forwards to these). */
  readonly peers = new Set<P>()
  /** See `removalGraceOf`; 0 releases at once. */
  readonly #graceMs: number
  /** Peers that left abruptly with live states, and when (monotonic ms) to release those. */
  readonly #leaving = new Map<P, number>()

  constructor(graceMs: number) {
    this.#graceMs = graceMs
  }

  /** Peers connected plus abrupt leavers whose states are still kept (what the room costs). */
  get occupants(): number {
    return this.peers.size + this.#leaving.size
  }

  /** No peer connected, and no abrupt leaver in its grace. */
  get empty(): boolean {
    return this.peers.size === 0 && this.#leaving.size === 0
  }

  join(peer: P): void {
    this.peers.add(peer)
  }

  /**
   * Takes `peer` out. Returns 'absent' when it was not in, 'grace' when its states stay for
   * the removal grace (it left `abrupt`ly and `ownsLive`), 'release' when they go now.
   */
  leave(peer: P, abrupt: boolean, ownsLive: boolean): 'absent' | 'grace' | 'release' {
    if (!this.peers.delete(peer)) return 'absent'
    if (abrupt && ownsLive && this.#graceMs > 0) {
      this.#leaving.set(peer, performance.now() + this.#graceMs)
      return 'grace'
    }
    return 'release'
  }

  /** Takes out, oldest first, the abrupt leavers whose grace is over at `now`. */
  takeDue(now: number): P[] {
    const due: P[] = []
    for (const [peer, dueAt] of this.#leaving) {
      if (dueAt > now) break
      this.#leaving.delete(peer)
      due.push(peer)
    }
    return due
  }

  /** Takes out every abrupt leaver (the room is freed). */
  takeAllLeaving(): P[] {
    const all = [...this.#leaving.keys()]
    this.#leaving.clear()
    return all
  }
}
