/**
 * `RelaySocket` over a `ws` WebSocket (the default socket layer).
 *
 * The socket's listeners are shared by every connection (no closures per socket): each `ws`
 * WebSocket carries its `WsSocket` under a symbol, and the shared listeners find the handler
 * there.
 */
import { type RawData, WebSocket } from 'ws'
import type { RelaySocket, SocketHandler } from './relay-socket.js'
import type { Corkable, TurnCork } from './turn-cork.js'

/** Where a `ws` WebSocket keeps its `WsSocket`. */
const WRAPPER: unique symbol = Symbol('sightline.socket')
type Wrapped = WebSocket & { [WRAPPER]: WsSocket }

export class WsSocket implements RelaySocket {
  readonly #ws: WebSocket
  readonly #cork: TurnCork | undefined
  /** The TCP socket under it (for the cork), found once. */
  readonly #corkable: Corkable | null
  #handler: SocketHandler | null = null

  /** `cork`: the relay's turn cork (none: every frame is its own write). */
  constructor(ws: WebSocket, cork?: TurnCork) {
    this.#ws = ws
    this.#cork = cork
    this.#corkable = cork === undefined ? null : corkableOf(ws)
    ;(ws as Wrapped)[WRAPPER] = this
  }

  get open(): boolean {
    return this.#ws.readyState === WebSocket.OPEN
  }

  get closed(): boolean {
    return this.#ws.readyState === WebSocket.CLOSED
  }

  get bufferedAmount(): number {
    return this.#ws.bufferedAmount
  }

  send(frame: Uint8Array): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(frame)
  }

  cork(): void {
    if (this.#corkable !== null) this.#cork?.cork(this.#corkable)
  }

  ping(): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.ping()
  }

  close(code: number, reason: string): boolean {
    const state = this.#ws.readyState
    if (state !== WebSocket.OPEN && state !== WebSocket.CONNECTING) return false
    this.#ws.close(code, reason)
    return true
  }

  terminate(): void {
    this.#ws.terminate()
  }

  whenClosed(): Promise<void> {
    if (this.#ws.readyState === WebSocket.CLOSED) return Promise.resolve()
    return new Promise((resolve) => this.#ws.once('close', () => resolve()))
  }

  attach(handler: SocketHandler): void {
    this.#handler = handler
    this.#ws.on('message', onMessage)
    this.#ws.on('pong', onPong)
    this.#ws.on('close', onClose)
    this.#ws.on('error', onError)
  }

  /** The handler of the socket a shared listener was called on. */
  static handlerOf(ws: WebSocket): SocketHandler {
    const handler = (ws as Wrapped)[WRAPPER].#handler
    if (handler === null) throw new Error('socket event before attach')
    return handler
  }
}

function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  WsSocket.handlerOf(this).socketMessage(toBytes(data), isBinary)
}

function onPong(this: WebSocket): void {
  WsSocket.handlerOf(this).socketPong()
}

function onClose(this: WebSocket, code: number): void {
  WsSocket.handlerOf(this).socketClosed(code)
}

function onError(this: WebSocket, error: Error): void {
  WsSocket.handlerOf(this).socketError(error)
}

/**
 * The TCP socket under a `ws` WebSocket, for the cork: `_socket`, which ws sets once the
 * socket is open and does not type. The one use of a `ws` internal; `ws-socket.test.ts` fails
 * if a `ws` release stops providing it (and then the relay only loses the cork's batching).
 */
export function corkableOf(ws: WebSocket): Corkable | null {
  const socket = (ws as unknown as { _socket?: Partial<Corkable> })._socket
  if (typeof socket?.cork !== 'function' || typeof socket.uncork !== 'function') return null
  return socket as Corkable
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data)
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return data
}
