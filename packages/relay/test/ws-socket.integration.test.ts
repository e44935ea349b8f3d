/**
 * The one `ws` internal the relay uses: the TCP socket under a server-side WebSocket
 * (`_socket`), which the turn cork corks (transport/ws-socket.ts `corkableOf`). If a `ws`
 * release stops providing it, this fails (the relay would only lose the cork's batching).
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { TurnCork } from '../src/transport/turn-cork.js'
import { corkableOf, WsSocket } from '../src/transport/ws-socket.js'

async function serverSide(): Promise<WebSocket> {
  const server = createServer()
  const wss = new WebSocketServer({ server })
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`)
  client.on('error', () => {})
  await new Promise((resolve) => client.once('open', resolve))
  onTestFinished(async () => {
    client.terminate()
    wss.close()
    await new Promise((resolve) => server.close(resolve))
  })
  return accepted
}

describe('ws internals (transport/ws-socket.ts)', () => {
  it('a server-side WebSocket has the TCP socket the cork needs', async () => {
    const ws = await serverSide()
    const corkable = corkableOf(ws)
    expect(corkable).not.toBeNull()
    expect(typeof corkable?.cork).toBe('function')
    expect(typeof corkable?.uncork).toBe('function')
  })

  it('frames of one turn leave corked: the TCP socket is corked until the turn ends', async () => {
    const ws = await serverSide()
    const socket = new WsSocket(ws, new TurnCork())
    const tcp = corkableOf(ws) as unknown as { writableCorked: number }
    socket.cork()
    socket.send(new Uint8Array([1, 2, 3]))
    expect(tcp.writableCorked).toBe(1)
    await new Promise((resolve) => setImmediate(resolve))
    expect(tcp.writableCorked).toBe(0)
  })
})
