/**
 * The uWebSockets.js socket layer on its own (uws-transport.ts, uws-socket.ts), with stub
 * handlers: the order of calls transport.ts promises, the answers it writes itself (early
 * refusals, subprotocol, HTTP routes), and what a `UwsSocket` does once uWS let go of its
 * socket. The relay over it runs the whole integration suite (vitest project `relay-uws`).
 */
import { connect as tcpConnect } from 'node:net'
import { SIGHTLINE_SUBPROTOCOL } from '@sightline/protocol'
import { Registry } from 'prom-client'
import { describe, expect, it, onTestFinished } from 'vitest'
import WebSocket from 'ws'
import { isRelayError } from '../src/index.js'
import { RefusalReason } from '../src/refusal.js'
import type { RelaySocket, SocketHandler } from '../src/transport/relay-socket.js'
import type {
  EarlyRefusal,
  Transport,
  TransportHandlers,
  TransportOptions,
  UpgradeRequest,
} from '../src/transport/transport.js'
import { importUws, loadUwsTransport, UWS_INSTALL } from '../src/transport/uws-transport.js'

const OPTIONS: TransportOptions = {
  port: 0,
  host: '127.0.0.1',
  metricsPort: undefined,
  metricsHost: undefined,
  maxPayload: 1024,
  handshakeTimeoutMs: 10_000,
  trustProxy: false,
}

/** Stub handlers that record what the transport calls; each opened socket is kept. */
function stubs(over: Partial<TransportHandlers<string>> = {}) {
  const calls = { screened: [] as UpgradeRequest[], settled: 0, opened: [] as RelaySocket[] }
  const registry = new Registry()
  const handlers: TransportHandlers<string> = {
    screen: (req) => {
      calls.screened.push(req)
      return null
    },
    decide: async () => 'ok',
    opened: (socket) => {
      calls.opened.push(socket)
      return true
    },
    settled: () => {
      calls.settled++
    },
    dropped: () => {},
    http: { unready: () => null, metrics: registry },
    metricsHttp: { unready: () => null, metrics: registry },
    ...over,
  }
  return { calls, handlers }
}

async function start(
  handlers: TransportHandlers<string>,
  options: Partial<TransportOptions> = {},
): Promise<Transport> {
  const startUws = await loadUwsTransport()
  const transport = await startUws({ ...OPTIONS, ...options }, handlers)
  onTestFinished(async () => {
    transport.terminateAll()
    await transport.close()
  })
  return transport
}

function client(port: number, path = '/room', protocols?: string[], headers = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, protocols, { headers })
  ws.on('error', () => {})
  onTestFinished(() => ws.terminate())
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  const opened = new Promise<void>((resolve) => ws.once('open', () => resolve()))
  return { ws, closed, opened }
}

/** Raw bytes of one HTTP exchange (the connection closed by the server or after `ms`). */
function rawExchange(port: number, request: string, ms = 1000): Promise<string> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1', () => socket.write(request))
    let data = ''
    socket.on('data', (d: Buffer) => (data += d.toString('latin1')))
    socket.on('error', () => {})
    const timer = setTimeout(() => socket.destroy(), ms)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(data)
    })
  })
}

const UPGRADE =
  'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'

describe('uws transport: upgrades', () => {
  it('reads the request (url with query, origin, protocols, address), answers sightline only', async () => {
    const { calls, handlers } = stubs()
    const transport = await start(handlers)
    const offered = client(transport.port, '/room-1?token=abc', [
      'tok.secret',
      SIGHTLINE_SUBPROTOCOL,
    ])
    await offered.opened
    expect(offered.ws.protocol).toBe(SIGHTLINE_SUBPROTOCOL)
    // The client offered permessage-deflate (ws does by default): not taken, as with ws.
    expect(offered.ws.extensions).toBe('')
    const plain = client(transport.port, '/room-2')
    await plain.opened
    expect(plain.ws.protocol).toBe('')
    expect(calls.screened[0]).toMatchObject({
      url: '/room-1?token=abc',
      protocols: `tok.secret,${SIGHTLINE_SUBPROTOCOL}`,
      address: { addr: '127.0.0.1' },
    })
    expect(calls.screened[1]).toMatchObject({ url: '/room-2', protocols: undefined })
    expect(calls.settled).toBe(2)
  })

  it('takes the address from X-Forwarded-For and X-Request-Id only behind a trusted proxy', async () => {
    const headers = { 'x-forwarded-for': '203.0.113.9, 198.51.100.7', 'x-request-id': 'r-1' }
    for (const trustProxy of [false, true]) {
      const { calls, handlers } = stubs()
      const transport = await start(handlers, { trustProxy })
      await client(transport.port, '/room', undefined, headers).opened
      expect(calls.screened[0]?.address).toEqual(
        trustProxy ? { addr: '198.51.100.7', reqId: 'r-1' } : { addr: '127.0.0.1' },
      )
    }
  })

  it('answers an early refusal with plain HTTP and no WebSocket', async () => {
    for (const [early, status] of [
      [RefusalReason.TooManyPending, '503 Service Unavailable'],
      [RefusalReason.AddressRateLimited, '429 Too Many Requests'],
    ] as [EarlyRefusal, string][]) {
      const { calls, handlers } = stubs({ screen: () => early })
      const transport = await start(handlers)
      const answer = await rawExchange(
        transport.port,
        `GET /room HTTP/1.1\r\nHost: x\r\n${UPGRADE}\r\n`,
      )
      expect(answer.startsWith(`HTTP/1.1 ${status}\r\n`)).toBe(true)
      if (early === RefusalReason.AddressRateLimited) expect(answer).toContain('Retry-After: 1')
      expect(calls.settled).toBe(0)
    }
  })

  it('settles once a request whose client left while it was decided, and never upgrades it', async () => {
    let decide: ((d: string) => void) | undefined
    const { calls, handlers } = stubs({
      // The first request waits for its decision; later ones are let in at once.
      decide: () =>
        decide === undefined ? new Promise((resolve) => (decide = resolve)) : Promise.resolve('ok'),
    })
    const transport = await start(handlers)
    const socket = tcpConnect(transport.port, '127.0.0.1', () =>
      socket.write(`GET /room HTTP/1.1\r\nHost: x\r\n${UPGRADE}\r\n`),
    )
    await expect.poll(() => calls.screened.length).toBe(1)
    socket.destroy()
    await expect.poll(() => calls.settled).toBe(1)
    decide?.('late')
    // A later request goes through: the late decision neither upgraded nor broke anything.
    await client(transport.port).opened
    expect(calls.opened).toHaveLength(1)
    expect(calls.settled).toBe(2)
  })

  it('drops a request whose decision failed, settling it once', async () => {
    const { calls, handlers } = stubs({ decide: () => Promise.reject(new Error('boom')) })
    const transport = await start(handlers)
    const refused = client(transport.port)
    expect((await refused.closed).code).toBe(1006)
    expect(calls.opened).toHaveLength(0)
    expect(calls.settled).toBe(1)
  })

  it('settles a socket it did not admit when it closes', async () => {
    const { calls, handlers } = stubs({
      opened: (socket) => {
        // Refused after a while, as the relay's gate does with a close code.
        setTimeout(() => socket.close(4401, 'bad token'), 50)
        return false
      },
    })
    const transport = await start(handlers)
    const refused = client(transport.port)
    expect(await refused.closed).toEqual({ code: 4401, reason: 'bad token' })
    expect(calls.settled).toBe(1)
  })
})

describe('uws transport: sockets', () => {
  /** An admitted socket with a handler recording its events. */
  async function admitted(options: Partial<TransportOptions> = {}) {
    const events: string[] = []
    const messages: Uint8Array[] = []
    const handler: SocketHandler = {
      socketMessage: (bytes, binary) => {
        messages.push(bytes)
        events.push(binary ? 'binary' : 'text')
      },
      socketPong: () => events.push('pong'),
      socketClosed: (code) => events.push(`closed ${code}`),
      socketError: () => events.push('error'),
    }
    const { calls, handlers } = stubs({
      opened: (socket) => {
        socket.attach(handler)
        calls.opened.push(socket)
        return true
      },
    })
    const transport = await start(handlers, options)
    const peer = client(transport.port)
    await peer.opened
    await expect.poll(() => calls.opened.length).toBe(1)
    const socket = calls.opened[0] as RelaySocket
    return { socket, peer, events, messages, transport }
  }

  it('carries binary and text messages (copied), pings and pongs, sends binary frames', async () => {
    const { socket, peer, events, messages } = await admitted()
    peer.ws.send(Uint8Array.from([1, 2, 3]))
    peer.ws.send('hi')
    await expect.poll(() => events).toEqual(['binary', 'text'])
    // The bytes outlive uWS's callback (its ArrayBuffer is neutered when the callback returns).
    expect([...(messages[0] ?? [])]).toEqual([1, 2, 3])
    socket.ping()
    await expect.poll(() => events).toContain('pong')
    const got = new Promise<Buffer>((resolve) => peer.ws.once('message', (d: Buffer) => resolve(d)))
    socket.send(Uint8Array.from([9, 8]))
    expect([...(await got)]).toEqual([9, 8])
    expect(socket.open).toBe(true)
    expect(socket.bufferedAmount).toBe(0)
  })

  it('holds a turn of corked frames (counted as buffered), then sends them in order', async () => {
    const { socket, peer } = await admitted()
    const got: number[] = []
    peer.ws.on('message', (d: Buffer) => got.push(d[0] ?? -1))
    for (const n of [1, 2, 3]) {
      socket.cork()
      socket.send(Uint8Array.from([n, 0, 0, 0]))
    }
    // Held until the end of the turn, and counted as not yet sent.
    expect(socket.bufferedAmount).toBe(12)
    await expect.poll(() => got).toEqual([1, 2, 3])
    expect(socket.bufferedAmount).toBe(0)
    // Frames held when the socket is closed go before the close frame.
    socket.cork()
    socket.send(Uint8Array.from([4]))
    socket.close(4000, 'bye')
    expect((await peer.closed).code).toBe(4000)
    expect(got).toEqual([1, 2, 3, 4])
  })

  it('closes with the code and reason, tells the handler after close() returned, then is inert', async () => {
    const { socket, peer, events } = await admitted()
    expect(socket.close(4429, 'rate limited')).toBe(true)
    // Not told inside close(): the core is still in its own close.
    expect(events).toEqual([])
    expect(socket.open).toBe(false)
    await socket.whenClosed()
    expect(events).toEqual(['closed 4429'])
    expect(await peer.closed).toEqual({ code: 4429, reason: 'rate limited' })
    // uWS freed its socket: every call is a no-op now.
    expect(socket.closed).toBe(true)
    expect(socket.close(1000, '')).toBe(false)
    socket.send(Uint8Array.from([1]))
    socket.ping()
    socket.terminate()
    expect(socket.bufferedAmount).toBe(0)
    await socket.whenClosed()
  })

  it('terminate drops the socket without a close frame; a client close is reported with its code', async () => {
    const first = await admitted()
    first.socket.terminate()
    expect((await first.peer.closed).code).toBe(1006)
    const second = await admitted()
    second.peer.ws.close(1001)
    await expect.poll(() => second.events).toEqual(['closed 1001'])
    expect(second.socket.closed).toBe(true)
  })

  it('drops a message over maxPayload without a close frame (1006, where ws sends 1009)', async () => {
    const { peer, events } = await admitted({ maxPayload: 100 })
    peer.ws.send(new Uint8Array(101))
    expect((await peer.closed).code).toBe(1006)
    await expect.poll(() => events).toEqual(['closed 1006'])
  })

  it('terminateAll drops every open socket; close stops listening', async () => {
    const { peer, transport } = await admitted()
    transport.terminateAll()
    expect((await peer.closed).code).toBe(1006)
    await transport.close()
    const refused = client(transport.port)
    expect((await refused.closed).code).toBe(1006)
  })
})

describe('uws transport: HTTP', () => {
  it('answers the routes as Node does: status, type, no-store, HEAD without body, 405 closing', async () => {
    const registry = new Registry()
    const { handlers } = stubs({
      http: { unready: () => 'draining', metrics: registry },
    })
    const transport = await start(handlers)
    const url = `http://127.0.0.1:${transport.port}`
    const health = await fetch(`${url}/healthz?x=1`)
    expect([health.status, await health.text()]).toEqual([200, 'ok'])
    expect(health.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(health.headers.get('cache-control')).toBe('no-store')
    const ready = await fetch(`${url}/readyz`)
    expect([ready.status, await ready.text()]).toEqual([503, 'draining'])
    const metrics = await fetch(`${url}/metrics`)
    expect([metrics.status, metrics.headers.get('content-type')]).toEqual([
      200,
      registry.contentType,
    ])
    expect((await fetch(`${url}/nope`)).status).toBe(404)
    const head = await rawExchange(transport.port, 'HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 300)
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    expect(head.endsWith('\r\n\r\n')).toBe(true)
    const post = await rawExchange(transport.port, 'POST /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
    expect(post).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/)
    expect(post.endsWith('method not allowed')).toBe(true)
  })

  it('serves /metrics on its own port when metricsPort is set, and not on the relay port', async () => {
    const registry = new Registry()
    const { handlers } = stubs({
      http: { unready: () => null, metrics: null },
      metricsHttp: { unready: () => null, metrics: registry },
    })
    const transport = await start(handlers, { metricsPort: 0 })
    expect(transport.metricsUrl).not.toBe(`http://127.0.0.1:${transport.port}`)
    expect((await fetch(`${transport.metricsUrl}/metrics`)).status).toBe(200)
    expect((await fetch(`http://127.0.0.1:${transport.port}/metrics`)).status).toBe(404)
  })

  it('rejects a port in use with an error naming it', async () => {
    const { handlers } = stubs()
    const transport = await start(handlers)
    await expect(start(stubs().handlers, { port: transport.port })).rejects.toThrow(
      String(transport.port),
    )
  })
})

describe('uws transport: loading', () => {
  it('rejects with a config error naming how to install uWebSockets.js when it is missing', async () => {
    const error = await importUws('uWebSockets.js-not-installed').catch((e: unknown) => e)
    expect(isRelayError(error, 'config')).toBe(true)
    expect((error as Error).message).toContain(UWS_INSTALL)
    expect(UWS_INSTALL).toBe('npm install uWebSockets.js@uNetworking/uWebSockets.js#v20.x')
  })

  it('loads the native build, not the fallback over ws some builds carry', async () => {
    const uws = (await importUws()) as unknown as Record<string, unknown>
    // Only the native addon has HTTP/3 (the JavaScript fallback has no H3App).
    expect(typeof uws.H3App).toBe('function')
  })
})
