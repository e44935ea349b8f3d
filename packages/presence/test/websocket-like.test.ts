import { describe, expect, it } from 'vitest'
import WS from 'ws'
import { messageBytes, type WebSocketCtor } from '../src/websocket-like.js'

describe('WebSocketLike', () => {
  it('is satisfied by ws and by the browser WebSocket (checked by tsc)', () => {
    const fromWs: WebSocketCtor = WS
    const fromDom: WebSocketCtor | undefined =
      typeof globalThis.WebSocket === 'undefined' ? undefined : globalThis.WebSocket
    expect(fromWs).toBe(WS)
    expect(fromDom === undefined || typeof fromDom === 'function').toBe(true)
  })

  it('reads binary payloads and refuses text', () => {
    expect(messageBytes(new Uint8Array([1, 2]).buffer)).toEqual(new Uint8Array([1, 2]))
    expect(messageBytes(Buffer.from([0, 1, 2]).subarray(1))).toEqual(new Uint8Array([1, 2]))
    expect(messageBytes('hello')).toBeNull()
  })
})
