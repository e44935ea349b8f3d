/**
 * What an operator watches: /healthz, /readyz (flips to 503 while draining), /metrics (one
 * registry per relay, counting joins, frames, refusals and close codes), and the logs
 * (a connection id on every line, never a token).
 */
import { type Socket, connect as tcpConnect } from 'node:net'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { RelayHandle } from '../src/index.js'
import { join, mintToken, presence, settle, startRelay, TRANSPORT, uniqueRoom } from './fixtures.js'

/** The value of one sample in Prometheus text, e.g. `metric(text, 'x_total', 'type="sync"')`. */
function metric(text: string, name: string, labels = ''): number {
  const key = labels === '' ? name : `${name}{${labels}}`
  const line = text.split('\n').find((l) => l.startsWith(`${key} `))
  if (line === undefined) throw new Error(`no sample ${key}`)
  return Number(line.slice(key.length + 1))
}

async function scrape(relay: RelayHandle): Promise<string> {
  const res = await fetch(`${relay.metricsUrl}/metrics`)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toContain('text/plain')
  return res.text()
}

/**
 * A client that completes the WebSocket upgrade and then never reads or answers anything,
 * so the relay's close handshake with it can only end by the relay's grace timeout.
 */
async function deafClient(relay: RelayHandle, room: string, token: string): Promise<Socket> {
  const socket = tcpConnect(relay.port, '127.0.0.1')
  onTestFinished(() => void socket.destroy())
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
  socket.write(
    `GET /${room}?token=${token} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n` +
      'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
      'Sec-WebSocket-Version: 13\r\n\r\n',
  )
  await new Promise<void>((resolve) => socket.once('data', () => resolve()))
  socket.pause()
  return socket
}

describe('HTTP endpoints', () => {
  it('answers /healthz and /readyz, and /readyz turns 503 while the relay drains', async () => {
    const relay = await startRelay()
    expect(await (await fetch(`${relay.httpUrl}/healthz`)).text()).toBe('ok')
    const ready = await fetch(`${relay.httpUrl}/readyz`)
    expect([ready.status, await ready.text()]).toEqual([200, 'ready'])
    const room = uniqueRoom()
    await deafClient(relay, room, await mintToken({ sub: 'deaf' }))
    await expect.poll(() => relay.stats().connections).toBe(1)

    const closed = relay.close()
    if (TRANSPORT === 'uws') {
      // uWS lets go of each socket as it sends the close frame (uws-socket.ts), so there is no
      // close handshake to wait for: the relay stops listening at once, without a draining
      // window, and a load balancer's next probe is refused.
      await closed
      await expect(fetch(`${relay.httpUrl}/readyz`)).rejects.toThrow()
      expect(relay.stats()).toEqual({ rooms: 0, connections: 0 })
      return
    }
    const draining = await fetch(`${relay.httpUrl}/readyz`)
    expect([draining.status, await draining.text()]).toEqual([503, 'draining'])
    // Still serving during the grace period: a new connection is told to come back later.
    const late = await join(relay, room, 'late')
    expect(await late.closed()).toBe(1012)
    await closed
    expect(relay.stats()).toEqual({ rooms: 0, connections: 0 })
  })

  it('answers 404 elsewhere', async () => {
    const relay = await startRelay()
    expect((await fetch(`${relay.httpUrl}/nope`)).status).toBe(404)
  })
})

describe('/metrics', () => {
  it('counts a join, frames by type, bytes, a refusal and close codes', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const before = await scrape(relay)
    for (const name of [
      'sightline_relay_connections',
      'sightline_relay_rooms',
      'sightline_relay_awareness_states',
      'sightline_relay_connections_admitted_total',
      'sightline_relay_frames_received_total',
      'sightline_relay_frames_sent_total',
      'sightline_relay_received_bytes_total',
      'sightline_relay_sent_bytes_total',
      'sightline_relay_refusals_total',
      'sightline_relay_close_codes_total',
      'sightline_relay_forged_writes_total',
      'nodejs_eventloop_lag_seconds',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(before).toContain(`# TYPE ${name} `)
    }
    expect(metric(before, 'sightline_relay_refusals_total', 'reason="bad_token"')).toBe(0)

    const alice = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    alice.setState(1, 1, presence('alice'))
    await settle(alice)
    await expect.poll(() => bob.live().size).toBe(1)
    const refused = await join(relay, room, 'eve', { secret: 'wrong-secret-wrong-secret-wrong' })
    expect(await refused.closed()).toBe(4401)

    const text = await scrape(relay)
    expect(metric(text, 'sightline_relay_connections')).toBe(2)
    expect(metric(text, 'sightline_relay_rooms')).toBe(1)
    expect(metric(text, 'sightline_relay_awareness_states')).toBe(1)
    expect(metric(text, 'sightline_relay_connections_admitted_total')).toBe(2)
    expect(metric(text, 'sightline_relay_frames_received_total', 'type="awareness"')).toBe(1)
    expect(metric(text, 'sightline_relay_frames_received_total', 'type="heartbeat"')).toBe(1)
    // The heartbeat answer, and sync step 2 (the relay-written document) to each joiner.
    expect(metric(text, 'sightline_relay_frames_sent_total', 'type="heartbeat"')).toBe(1)
    expect(metric(text, 'sightline_relay_frames_sent_total', 'type="sync"')).toBe(2)
    // Alice's state forwarded to Bob once.
    expect(metric(text, 'sightline_relay_frames_sent_total', 'type="awareness"')).toBe(1)
    expect(metric(text, 'sightline_relay_received_bytes_total')).toBeGreaterThan(3)
    expect(metric(text, 'sightline_relay_sent_bytes_total')).toBeGreaterThan(3)
    expect(metric(text, 'sightline_relay_refusals_total', 'reason="bad_token"')).toBe(1)
    expect(metric(text, 'sightline_relay_close_codes_total', 'code="4401"')).toBe(1)

    alice.send(new Uint8Array([42]))
    expect(await alice.closed()).toBe(4400)
    await expect.poll(() => relay.stats().connections).toBe(1)
    const after = await scrape(relay)
    expect(metric(after, 'sightline_relay_refusals_total', 'reason="bad_frame"')).toBe(1)
    expect(metric(after, 'sightline_relay_close_codes_total', 'code="4400"')).toBe(1)
    expect(metric(after, 'sightline_relay_frames_received_total', 'type="other"')).toBe(1)
    expect(metric(after, 'sightline_relay_awareness_states')).toBe(0)

    await relay.close()
    expect(
      metric(await relay.metrics.metrics(), 'sightline_relay_close_codes_total', 'code="1012"'),
    ).toBe(1)
  })

  it('keeps a separate registry per relay', async () => {
    const a = await startRelay()
    const b = await startRelay()
    expect(a.metrics).not.toBe(b.metrics)
    await join(a, uniqueRoom(), 'alice')
    await join(a, uniqueRoom(), 'bob')
    await join(b, uniqueRoom(), 'carol')
    const textA = await scrape(a)
    const textB = await scrape(b)
    expect(metric(textA, 'sightline_relay_connections_admitted_total')).toBe(2)
    expect(metric(textB, 'sightline_relay_connections_admitted_total')).toBe(1)
    expect(metric(textA, 'sightline_relay_rooms')).toBe(2)
    expect(metric(textB, 'sightline_relay_rooms')).toBe(1)
  })

  it('serves /metrics on its own port when metricsPort is set, and not on the main one', async () => {
    const relay = await startRelay({ metricsPort: 0 })
    expect(relay.metricsUrl).not.toBe(relay.httpUrl)
    expect((await fetch(`${relay.httpUrl}/metrics`)).status).toBe(404)
    expect(await scrape(relay)).toContain('sightline_relay_connections 0')
    expect((await fetch(`${relay.metricsUrl}/readyz`)).status).toBe(200)
    await relay.close()
    await expect(fetch(`${relay.metricsUrl}/metrics`)).rejects.toThrow()
  })
})

describe('logs', () => {
  it('carry a connection id, room and agent id, and never a token, name or query string', async () => {
    const lines: string[] = []
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean))
        done()
      },
    })
    const relay = await startRelay({ logger: pino({ level: 'debug' }, sink) })
    const room = uniqueRoom()
    const token = await mintToken({ sub: 'alice', name: 'Alice Liddell' })
    const alice = await join(relay, room, 'alice', { name: 'Alice Liddell' })
    alice.setState(1, 1, presence('alice', { user: { id: 'alice', name: 'Alice Liddell' } }))
    await settle(alice)
    const badToken = await mintToken({ sub: 'mallory', secret: 'not-the-secret-not-the-secret!' })
    const refused = await join(relay, room, 'mallory', { secret: 'not-the-secret-not-the-secret!' })
    expect(await refused.closed()).toBe(4401)
    await alice.close()
    await expect.poll(() => relay.stats().connections).toBe(0)
    await expect.poll(() => lines.some((l) => l.includes('connection closed'))).toBe(true)

    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
    const connected = records.find((r) => r['msg'] === 'connected')
    expect(connected).toMatchObject({ level: 30, room, sub: 'alice' })
    expect(connected?.['conn']).toMatch(/^c[0-9a-z]+$/)
    const refusal = records.find((r) => r['msg'] === 'refused')
    expect(refusal).toMatchObject({ level: 30, code: 4401, reason: 'bad_token', room })
    expect(refusal?.['conn']).toMatch(/^c[0-9a-z]+$/)
    const closed = records.find((r) => r['msg'] === 'connection closed')
    expect(closed).toMatchObject({ level: 20, conn: connected?.['conn'], code: 1005 })
    const all = lines.join('\n')
    for (const secret of [token, badToken, 'token=', 'Alice Liddell', '?']) {
      expect(all).not.toContain(secret)
    }
  })
})
