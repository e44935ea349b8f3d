/**
 * The few WebSocket members the presence client uses, so core code never names the DOM type
 * and the same client runs on a browser `WebSocket` and on Node's `ws`.
 *
 * Event handler slots take `(event: never) => void`: every implementation's handler type is
 * assignable to that, and the client reads events through the small `*Like` shapes below,
 * which both the browser and `ws` deliver.
 */

/** What the client reads from a message event: the payload (binary as an ArrayBuffer). */
export interface MessageEventLike {
  readonly data: unknown
}

/** What the client reads from a close event: the close code and the peer's reason, if any. */
export interface CloseEventLike {
  readonly code: number
  readonly reason?: string
}

export interface WebSocketLike {
  /** Set to 'arraybuffer' so binary frames arrive as ArrayBuffer in every implementation. */
  binaryType: string
  readonly readyState: number
  onopen: ((event: never) => void) | null
  onmessage: ((event: never) => void) | null
  onclose: ((event: never) => void) | null
  onerror: ((event: never) => void) | null
  send(data: Uint8Array<ArrayBuffer>): void
  close(code?: number, reason?: string): void
}

/** A WebSocket constructor: `globalThis.WebSocket` in browsers, `ws` in Node. */
export type WebSocketCtor = new (url: string, protocols?: string | string[]) => WebSocketLike

/** `readyState` of an open socket (the same number in every implementation). */
export const OPEN = 1

/**
 * `frame` typed as the browser's `send` wants it (backed by a plain ArrayBuffer); frames backed
 * by a SharedArrayBuffer, which we never build, are copied.
 */
export function sendable(frame: Uint8Array): Uint8Array<ArrayBuffer> {
  return frame.buffer instanceof ArrayBuffer ? (frame as Uint8Array<ArrayBuffer>) : frame.slice()
}

/** The bytes of a binary message, or `null` for text and anything unexpected. */
export function messageBytes(data: unknown): Uint8Array | null {
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  return null
}
