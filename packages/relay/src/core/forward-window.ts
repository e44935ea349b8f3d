/**
 * Forwarding and its window: how a room's awareness changes reach its other peers.
 *
 * A room forwards bytes: each outgoing frame is encoded once and the same bytes go to every
 * other peer; nothing is echoed to its writer. A busy room coalesces within a **window**
 * (`coalesceWindowMs`, scaled by the room's size: `coalesceWindowOf`): a change goes out at
 * once when the room forwarded none in the last window; otherwise it waits for the window's
 * end, when each receiver gets one frame with every change that waited (the latest per
 * client ID, never its own). Removals take the same path, so nothing overtakes a waiting
 * change.
 *
 * The window also keeps `sentSeq`: the room's change number every reading peer has been sent
 * up to, which is where a reader that stops reading is caught up from (room.ts `markHold`).
 */
import {
  type AwarenessEntry,
  awarenessFrameOf,
  encodeAwarenessEntry,
  encodeAwarenessFrame,
  type Timer,
} from '@sightline/protocol'

/** Who receives what a room forwards. */
export interface Receiver {
  send(frame: Uint8Array): void
}

/**
 * Rooms of this many peers or more coalesce for the whole window; a smaller room for a share
 * that falls with the square of its size: a forward costs one write per receiver, and how
 * often changes collide within a window grows with the number of writers, so what waiting
 * saves grows with both while its price (latency) does not; small rooms, the common case,
 * forward at once (figures: docs/performance.md, "Measurements behind code decisions").
 */
export const FULL_WINDOW_PEERS = 50

/** The window (ms) a room of `peers` coalesces for, `windowMs` being the configured one. */
export function coalesceWindowOf(windowMs: number, peers: number): number {
  const share = Math.min(peers, FULL_WINDOW_PEERS) / FULL_WINDOW_PEERS
  return windowMs * share * share
}

/** An awareness change waiting for the end of its room's window. */
interface WaitingChange {
  readonly entry: AwarenessEntry
  /** Who wrote it (a peer, or a remote node's stand-in): it is not sent back there. */
  readonly from: unknown
}

export class ForwardWindow<R extends Receiver> {
  readonly #receivers: ReadonlySet<R>
  readonly #windowMs: number
  /** The room's change number now (AwarenessTable.seq). */
  readonly #seq: () => number
  /** Changes waiting for the end of the window, latest per client ID. */
  #waiting: Map<number, WaitingChange> | null = null
  #timer: Timer | null = null
  /** When (monotonic ms) the room last forwarded awareness changes. */
  #forwardedAt = Number.NEGATIVE_INFINITY
  #sentSeq = 0

  /** `receivers`: the room's peers (read live); `windowMs`: the configured window. */
  constructor(receivers: ReadonlySet<R>, windowMs: number, seq: () => number) {
    this.#receivers = receivers
    this.#windowMs = windowMs
    this.#seq = seq
  }

  /** The change number every reading receiver has been sent up to. */
  get sentSeq(): number {
    return this.#sentSeq
  }

  /** Sends the same bytes to every receiver except `except`. */
  broadcast(frame: Uint8Array, except: unknown): void {
    for (const r of this.#receivers) if (r !== except) r.send(frame)
  }

  /**
   * Forwards awareness changes `entries` written by `from` to every other receiver: at once
   * when the room forwarded nothing in the last window, else at the window's end.
   */
  forward(entries: readonly AwarenessEntry[], from: unknown): void {
    const windowMs = coalesceWindowOf(this.#windowMs, this.#receivers.size)
    if (this.#waiting === null) {
      const now = performance.now()
      const quietFor = now - this.#forwardedAt
      if (windowMs <= 0 || quietFor >= windowMs) {
        this.#forwardedAt = now
        const seq = this.#seq()
        this.broadcast(encodeAwarenessFrame(entries), from)
        // After the sends: a receiver held during them is caught up with these changes too.
        this.#sentSeq = seq
        return
      }
      this.#waiting = new Map()
      // The window as the timer's argument: no closure per room.
      this.#timer = setTimeout(ForwardWindow.#end, windowMs - quietFor, this)
    }
    for (const entry of entries) {
      // Re-inserted so the frame lists changes in the order they were made.
      this.#waiting.delete(entry.clientId)
      this.#waiting.set(entry.clientId, { entry, from })
    }
  }

  /** Drops what waits (the room is freed). */
  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    this.#waiting = null
  }

  static #end(window: ForwardWindow<Receiver>): void {
    window.#send()
  }

  /** The window ended: one frame per receiver with every waiting change but its own. */
  #send(): void {
    const waiting = this.#waiting
    this.#waiting = null
    this.#timer = null
    if (waiting === null || waiting.size === 0) return
    this.#forwardedAt = performance.now()
    const seq = this.#seq()
    const changes = [...waiting.values()]
    const writers = new Set(changes.map((c) => c.from))
    if (writers.size === 1) {
      // One writer (the common case outside the busiest rooms): one frame, to the others.
      this.broadcast(encodeAwarenessFrame(changes.map((c) => c.entry)), changes[0]?.from)
      this.#sentSeq = seq
      return
    }
    // Each state encoded once; each writer's frame is the others' bytes put together.
    const encoded = changes.map((c) => encodeAwarenessEntry(c.entry))
    const all = awarenessFrameOf(encoded)
    for (const r of this.#receivers) {
      if (!writers.has(r)) {
        r.send(all)
        continue
      }
      const others = encoded.filter((_, i) => changes[i]?.from !== r)
      if (others.length > 0) r.send(awarenessFrameOf(others))
    }
    this.#sentSeq = seq
  }
}
