/**
 * One refresh of a room, as frames: each receiver gets ONE awareness frame holding every due
 * state except its own, instead of one frame per owner. Never an owner's own entries: the
 * presence client ignores them, but a stock y-protocols client would take the relay's copy
 * for its own state and broadcast it again.
 *
 * Receivers that own none of the due states (most of a big room) share one encoded frame;
 * each owner gets its own frame without its entries. For rooms of 5 to 50 that is at most
 * one encode per receiver, made once per refresh interval.
 */
import { type AwarenessEntry, encodeAwarenessFrame } from '@sightline/protocol'

export class RefreshBatch<O> {
  readonly #due: ReadonlyMap<O, readonly AwarenessEntry[]>
  #shared: Uint8Array | undefined

  /** `due`: the states to refresh, grouped by owner (AwarenessTable.takeDue). */
  constructor(due: ReadonlyMap<O, readonly AwarenessEntry[]>) {
    this.#due = due
  }

  /** The frame for `receiver`, or null when every due state is its own. */
  frameFor(receiver: O): Uint8Array | null {
    if (!this.#due.has(receiver)) {
      this.#shared ??= encodeAwarenessFrame([...this.#due.values()].flat())
      return this.#shared
    }
    const others: AwarenessEntry[] = []
    for (const [owner, entries] of this.#due) if (owner !== receiver) others.push(...entries)
    return others.length === 0 ? null : encodeAwarenessFrame(others)
  }
}
