/**
 * The cork: a connection's writes within one event-loop turn leave in one system call.
 *
 * `ws` writes each frame as header + payload between `cork()` and `uncork()` of its socket, so
 * every frame costs one `writev` (and on loopback or LAN, one TCP segment). In a busy room a
 * receiver gets several frames in the turn that reads several senders' frames; the profile
 * of the hot room showed most of the relay's time in those `writev` calls. Here a socket is
 * corked on its first frame of a turn and uncorked, for all sockets at once, in one
 * `setImmediate`: the same bytes and frames leave in one `writev`, at most one turn later.
 *
 * (Not to be confused with a room's window, which holds awareness changes for tens of ms and
 * merges them: forward-window.ts. The cork merges nothing and delays by one turn.)
 */

/** A socket that can be corked (a `net.Socket`). */
export interface Corkable {
  cork(): void
  uncork(): void
}

export class TurnCork {
  #corked = new Set<Corkable>()
  readonly #uncorkAll = () => {
    const corked = this.#corked
    this.#corked = new Set()
    for (const socket of corked) socket.uncork()
  }

  /** Corks `socket` until the end of this event-loop turn (once per turn); call before a write. */
  cork(socket: Corkable): void {
    if (this.#corked.has(socket)) return
    if (this.#corked.size === 0) setImmediate(this.#uncorkAll)
    socket.cork()
    this.#corked.add(socket)
  }
}
