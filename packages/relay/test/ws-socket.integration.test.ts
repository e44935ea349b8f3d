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

/** A server-side WebSocket and the client it accepted. */
async function pair(): Promise<{ server: WebSocket; client: WebSocket }> {
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
  return { server: await accepted, client }
}

async function serverSide(): Promise<WebSocket> {
  return (await pair()).server
}

describe('ws internals (transport/ws-socket.ts)', () => {
  it('a server-side WebSocket has the TCP socket the cork needs', async () => {
    const ws = await serverSide()
    const corkable = corkableOf(ws)
    expect(corkable).not.toBeNull()
    expect(typeof corkable?.cork).toBe('function')
    expect(typeof corkable?.uncork).toBe('function')
  })

  it('writes whole frames a ws client reads back byte for byte, at every length encoding', async () => {
    const { server, client } = await pair()
    const socket = new WsSocket(server, new TurnCork())
    const received: Buffer[] = []
    client.on('message', (data: Buffer) => received.push(data))
    // 7-bit, 16-bit and 64-bit lengths and their edges; the same payload twice in a row (the
    // frame built once) and two payloads alternating.
    const lengths = [0, 1, 125, 126, 127, 65_535, 65_536, 200_000]
    const payloads = lengths.map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) % 251))
    const a = payloads[2]!
    const b = payloads[3]!
    const sent = [...payloads, a, a, b, a]
    for (const p of sent) {
      socket.cork()
      socket.send(p)
    }
    await expect.poll(() => received.length).toBe(sent.length)
    expect(received.map((data) => new Uint8Array(data))).toEqual(sent)
    expect(socket.open).toBe(true)
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
