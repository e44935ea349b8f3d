/**
 * The one `ws` internal the relay uses: the TCP socket under a server-side WebSocket
 * (`_socket`), which the turn cork corks and the relay writes whole frames to
 * (transport/ws-socket.ts `tcpSocketOf`). If a `ws` release stops providing it, this fails
 * (the relay would fall back to `ws.send`, unbatched). Also: those frames reach a `ws` client
 * intact, and a join's 101 and first frames leave in one write.
 */
import { createServer } from 'node:http'
import { type AddressInfo, Socket } from 'node:net'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { TurnCork } from '../src/transport/turn-cork.js'
import { tcpSocketOf, WsSocket } from '../src/transport/ws-socket.js'
import { join, presence, settle, startRelay } from './fixtures.js'

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
  it('a server-side WebSocket has the TCP socket the cork and whole-frame writes need', async () => {
    const ws = await serverSide()
    const tcp = tcpSocketOf(ws)
    expect(tcp).not.toBeNull()
    expect(typeof tcp?.cork).toBe('function')
    expect(typeof tcp?.uncork).toBe('function')
    expect(typeof tcp?.write).toBe('function')
  })

  it('writes whole frames a ws client reads back byte for byte, at every length encoding', async () => {
    const { server, client } = await pair()
    const socket = new WsSocket(server, new TurnCork())
    // Written whole by the relay, not through ws's sender (a header and two writes per send).
    const wsSend = vi.spyOn(server, 'send')
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
    expect(wsSend).not.toHaveBeenCalled()
    expect(socket.open).toBe(true)
  })

  it('frames of one turn leave corked: the TCP socket is corked until the turn ends', async () => {
    const ws = await serverSide()
    const socket = new WsSocket(ws, new TurnCork())
    const tcp = tcpSocketOf(ws) as unknown as { writableCorked: number }
    socket.cork()
    socket.send(new Uint8Array([1, 2, 3]))
    expect(tcp.writableCorked).toBe(1)
    await new Promise((resolve) => setImmediate(resolve))
    expect(tcp.writableCorked).toBe(0)
  })

  it('a join leaves in one write: the 101 with the document and the states of the room', async () => {
    const relay = await startRelay({ transport: 'ws' })
    const alice = await join(relay, 'mailbox/1/conversation/9', 'alice')
    alice.setState(1, 1, presence('alice'))
    await settle(alice)
    // Node's one path for every write of a TCP socket (`_write` and `_writev` both end there).
    const writes = new Map<number, number>()
    const proto = Socket.prototype as unknown as { _writeGeneric: (...a: unknown[]) => unknown }
    const original = proto._writeGeneric
    const spy = vi.spyOn(proto, '_writeGeneric').mockImplementation(function (
      this: Socket,
      ...args: unknown[]
    ) {
      const port = this.remotePort ?? 0
      writes.set(port, (writes.get(port) ?? 0) + 1)
      return original.apply(this, args)
    })
    onTestFinished(() => spy.mockRestore())
    const bob = await join(relay, 'mailbox/1/conversation/9', 'bob')
    // Bob is sent the document (sync step 2) and Alice's state: with the 101, one write.
    await expect.poll(() => bob.live().size).toBe(1)
    const bobPort = (bob.ws as unknown as { _socket: Socket })._socket.localPort ?? -1
    expect(writes.get(bobPort)).toBe(1)
  })
})
