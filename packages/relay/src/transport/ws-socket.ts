/**
 * `RelaySocket` over a `ws` WebSocket (the default socket layer).
 *
 * The socket's listeners are shared by every connection (no closures per socket): each `ws`
 * WebSocket carries its `WsSocket` under a symbol, and the shared listeners find the handler
 * there.
 *
 * Frames are written whole to the TCP socket (`serverFrame`): a room sends the same bytes to
 * every receiver, so the WebSocket frame around them is built once per payload instead of once
 * per receiver by `ws`'s sender (a header buffer, options and two writes per send). The bytes
 * on the wire are the ones `ws` writes (no extension is negotiated: the server has
 * permessage-deflate off), and `ws`'s state stays true: it counts what the TCP socket buffers
 * in `bufferedAmount`, and after a close frame the socket is no longer open, so nothing is
 * written after it.
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
  /** The TCP socket under it (for the cork and whole-frame writes), found once. */
  readonly #tcp: TcpSocket | null
  #handler: SocketHandler | null = null

  /** `cork`: the relay's turn cork (none: every frame is its own write). */
  constructor(ws: WebSocket, cork?: TurnCork) {
    this.#ws = ws
    this.#cork = cork
    this.#tcp = tcpSocketOf(ws)
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
    if (this.#ws.readyState !== WebSocket.OPEN) return
    if (this.#tcp === null) this.#ws.send(frame)
    else this.#tcp.write(serverFrame(frame))
  }

  cork(): void {
    if (this.#tcp !== null) this.#cork?.cork(this.#tcp)
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

/** What the relay uses of the TCP socket under a `ws` WebSocket. */
export interface TcpSocket extends Corkable {
  write(bytes: Uint8Array): boolean
}

/**
 * The TCP socket under a `ws` WebSocket, for the cork and whole-frame writes: `_socket`, which
 * ws sets once the socket is open and does not type. The one use of a `ws` internal;
 * `ws-socket.integration.test.ts` fails if a `ws` release stops providing it (and then the
 * relay sends through `ws.send`, unbatched).
 */
export function tcpSocketOf(ws: WebSocket): TcpSocket | null {
  const socket = (ws as unknown as { _socket?: Partial<TcpSocket> })._socket
  if (
    typeof socket?.cork !== 'function' ||
    typeof socket.uncork !== 'function' ||
    typeof socket.write !== 'function'
  ) {
    return null
  }
  return socket as TcpSocket
}

/** The last payload framed, and its frame: a room's broadcast sends one payload many times. */
let lastPayload: Uint8Array | null = null
let lastFrame: Buffer = Buffer.alloc(0)

/**
 * The WebSocket frame a server sends for `payload` (RFC 6455 5.2: FIN, binary, unmasked; the
 * length in 7, 16 or 64 bits), built once for a payload sent to several receivers in a row.
 * Payloads are never changed once sent.
 */
export function serverFrame(payload: Uint8Array): Buffer {
  if (payload === lastPayload) return lastFrame
  const n = payload.byteLength
  const header = n < 126 ? 2 : n < 0x10000 ? 4 : 10
  const frame = Buffer.allocUnsafe(header + n)
  frame[0] = 0x82
  if (n < 126) {
    frame[1] = n
  } else if (n < 0x10000) {
    frame[1] = 126
    frame.writeUInt16BE(n, 2)
  } else {
    frame[1] = 127
    frame.writeUInt32BE(Math.floor(n / 0x1_0000_0000), 2)
    frame.writeUInt32BE(n >>> 0, 6)
  }
  frame.set(payload, header)
  lastPayload = payload
  lastFrame = frame
  return frame
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data)
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return data
}
