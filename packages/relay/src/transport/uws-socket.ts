/**
 * `RelaySocket` over a uWebSockets.js WebSocket (the `uws` socket layer, uws-transport.ts).
 *
 * A uWS WebSocket is valid from its `open` to its `close` handler and never after: touching it
 * then throws (or worse). `UwsSocket` keeps its own state and guards every call with it.
 * uWS runs the close handler inside `end()` and `close()` themselves; a close the relay
 * starts is told to the core a microtask later, so the core never hears of it while it is
 * still in its own `close`.
 *
 * - `close(code, reason)` is uWS's `end(code, reason)`: a close frame, then the connection
 *   is shut down; `terminate()` is uWS's `close()`: dropped, no close frame.
 * - `closed` turns true as soon as uWS let go of the socket (at `end()`), so `whenClosed`
 *   resolves then: uWS still sends the close frame and shuts the connection down by itself.
 * - `cork()`: the frames sent to a socket in one event-loop turn are held and sent at the end
 *   of the turn inside one uWS cork, so they leave in one write (`UwsTurnCork`; turn-cork.ts
 *   does the same for `ws`). uWS's own cork is scoped to a callback and to one socket at a
 *   time, while a frame read from one socket is sent to its whole room.
 */
import type { RelaySocket, SocketHandler } from './relay-socket.js'

/** What `UwsSocket` uses of a uWS WebSocket (`uWebSockets.js`'s `WebSocket`). */
export interface UwsWebSocket {
  send(message: Uint8Array, isBinary: boolean): number
  cork(cb: () => void): unknown
  getBufferedAmount(): number
  ping(): number
  end(code: number, reason: string): void
  close(): void
}

const State = Object.freeze({ Open: 0, Closing: 1, Closed: 2 } as const)
type State = (typeof State)[keyof typeof State]

/**
 * The sockets corked in this event-loop turn (one per transport): each sends what it holds at
 * the end of the turn, in one `setImmediate` for all.
 */
export class UwsTurnCork {
  #corked = new Set<UwsSocket>()
  readonly #flushAll = () => {
    const corked = this.#corked
    this.#corked = new Set()
    for (const socket of corked) socket.flush()
  }

  /** `socket` holds its frames until the end of this turn. */
  add(socket: UwsSocket): void {
    if (this.#corked.size === 0) setImmediate(this.#flushAll)
    this.#corked.add(socket)
  }
}

export class UwsSocket implements RelaySocket {
  #ws: UwsWebSocket | null
  readonly #cork: UwsTurnCork | undefined
  #state: State = State.Open
  #handler: SocketHandler | null = null
  /** Frames held while corked (this turn), and their bytes. */
  #held: Uint8Array[] | null = null
  #heldBytes = 0
  /** Who waits for the close (`whenClosed`); none for most sockets, so made on demand. */
  #waiters: (() => void)[] | null = null

  /** `cork`: the transport's turn cork (none: every frame is its own write). */
  constructor(ws: UwsWebSocket, cork?: UwsTurnCork) {
    this.#ws = ws
    this.#cork = cork
  }

  get open(): boolean {
    return this.#state === State.Open
  }

  get closed(): boolean {
    return this.#state === State.Closed
  }

  /** What uWS holds to send, plus the frames held until the end of the turn. */
  get bufferedAmount(): number {
    return this.#ws === null ? 0 : this.#ws.getBufferedAmount() + this.#heldBytes
  }

  send(frame: Uint8Array): void {
    if (this.#state !== State.Open) return
    if (this.#held === null) {
      this.#ws?.send(frame, true)
      return
    }
    this.#held.push(frame)
    this.#heldBytes += frame.byteLength
  }

  cork(): void {
    if (this.#held !== null || this.#cork === undefined || this.#state !== State.Open) return
    this.#held = []
    this.#cork.add(this)
  }

  /** Sends the frames held this turn, in one uWS cork (one write). */
  flush(): void {
    const held = this.#held
    const ws = this.#ws
    this.#held = null
    this.#heldBytes = 0
    if (held === null || held.length === 0 || ws === null || this.#state !== State.Open) return
    ws.cork(() => {
      for (const frame of held) ws.send(frame, true)
    })
  }

  ping(): void {
    if (this.#state === State.Open) this.#ws?.ping()
  }

  close(code: number, reason: string): boolean {
    const ws = this.#ws
    if (this.#state !== State.Open || ws === null) return false
    // What it was sent this turn goes before the close frame.
    const held = this.#held
    this.#held = null
    this.#heldBytes = 0
    for (const frame of held ?? []) ws.send(frame, true)
    this.#state = State.Closing
    ws.end(code, reason)
    return true
  }

  terminate(): void {
    const ws = this.#ws
    if (ws === null) return
    this.#held = null
    this.#heldBytes = 0
    this.#state = State.Closing
    ws.close()
  }

  whenClosed(): Promise<void> {
    if (this.#state === State.Closed) return Promise.resolve()
    const waiters = this.#waiters ?? []
    this.#waiters = waiters
    return new Promise((resolve) => waiters.push(resolve))
  }

  attach(handler: SocketHandler): void {
    this.#handler = handler
  }

  // The uWS handlers of this socket (uws-transport.ts), called while it is valid.

  /** A whole message; `data` is valid only during the call, so it is copied. */
  received(data: ArrayBuffer, isBinary: boolean): void {
    if (this.#state === State.Closed) return
    this.#handler?.socketMessage(new Uint8Array(data.slice(0)), isBinary)
  }

  ponged(): void {
    if (this.#state !== State.Closed) this.#handler?.socketPong()
  }

  /** uWS let go of the socket: it must not be touched again. */
  ended(code: number): void {
    const byUs = this.#state === State.Closing
    this.#ws = null
    this.#held = null
    this.#heldBytes = 0
    this.#state = State.Closed
    const waiters = this.#waiters
    this.#waiters = null
    const tell = () => {
      this.#handler?.socketClosed(code)
      for (const resolve of waiters ?? []) resolve()
    }
    if (byUs) queueMicrotask(tell)
    else tell()
  }
}
