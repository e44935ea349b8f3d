/** Liveness, reconnects, close codes and token handover, on fake timers and the fake relay. */
import {
  encodeAwarenessFrame,
  HEARTBEAT_FRAME,
  isHeartbeatFrame,
  isKeepaliveFrame,
  type Viewer,
} from '@sightline/protocol'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type ConnectionStatus, createConnection } from '../src/connection.js'
import { createPresence, type PresenceClient } from '../src/index.js'
import { createFakePage } from './fake-environment.js'
import { createFakeNetwork, type FakeNetwork, fakeToken, sentEntries } from './fake-network.js'

const ROOM = 'mailbox/1/conversation/7'
const HEARTBEAT = 1000
const TIMEOUT = 3000
const cleanups: (() => void)[] = []

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
  vi.useRealTimers()
  vi.restoreAllMocks()
})

const token = (sub: string, ttlSec = 3600) =>
  fakeToken({ sub, name: sub, exp: Math.floor(Date.now() / 1000) + ttlSec })

function join(
  network: FakeNetwork,
  sub: string,
  extra: Partial<Parameters<typeof createPresence>[0]> = {},
) {
  const client = createPresence({
    url: 'ws://relay.test',
    room: ROOM,
    token: token(sub),
    WebSocket: network.WebSocket,
    environment: null,
    heartbeatIntervalMs: HEARTBEAT,
    livenessTimeoutMs: TIMEOUT,
    reconnectMinDelayMs: 100,
    reconnectMaxDelayMs: 400,
    ...extra,
  })
  cleanups.push(() => client.destroy())
  return client
}

const ids = (client: PresenceClient) => client.others.map((v) => v.user.id)
const statuses = (client: PresenceClient) => {
  const seen: ConnectionStatus[] = []
  client.onStatus((s) => seen.push(s))
  return seen
}
const tick = (ms: number) => vi.advanceTimersByTimeAsync(ms)
/** The fake relay's delivery to one socket (what the relay sends it). */
type Receiver = { receive(frame: Uint8Array): void }

/**
 * Someone else in the room changes every 400 ms for `ms` (more often than the 1 s heartbeat
 * period); `each` runs after each change reached `socket`.
 */
async function busyRoom(socket: object, ms: number, each: (t: number) => void = () => {}) {
  let clock = 1
  for (let t = 0; t < ms; t += 400) {
    const entry = { clientId: 900, clock: clock++, json: '{"n":1}' }
    ;(socket as Receiver).receive(encodeAwarenessFrame([entry]))
    each(t)
    await tick(400)
  }
}

describe('liveness', () => {
  it('heartbeats and stays connected for a long quiet time', async () => {
    const network = createFakeNetwork()
    const alice = join(network, 'alice')
    const bob = join(network, 'bob')
    await tick(0)
    expect(ids(alice)).toEqual(['bob'])
    await tick(120_000)
    expect(alice.status).toBe('connected')
    expect(ids(alice)).toEqual(['bob'])
    const heartbeats = network.sockets[0]!.sent.filter((f) => f.length === 3 && f[2] === 0)
    expect(heartbeats.length).toBeGreaterThanOrEqual(110)
    expect(bob.status).toBe('connected')
  })

  it('in a busy room sends keepalives, not heartbeats: the relay is not asked to answer', async () => {
    const network = createFakeNetwork()
    const alice = join(network, 'alice')
    await tick(0)
    const socket = network.sockets[0]!
    const count = (is: (f: Uint8Array) => boolean) => socket.sent.filter(is).length
    const heartbeats = () => count(isHeartbeatFrame)
    const keepalives = () => count(isKeepaliveFrame)
    const before = heartbeats()
    await busyRoom(socket, 30_000)
    expect(alice.status).toBe('connected')
    // No question for the relay while it is heard from; a keepalive per period instead.
    expect(heartbeats() - before).toBe(0)
    expect(keepalives()).toBeGreaterThanOrEqual(25)
    expect(keepalives()).toBeLessThanOrEqual(31)
    // The room goes quiet: heartbeats again within a period, and the answers keep it open.
    await tick(HEARTBEAT + 100)
    expect(heartbeats() - before).toBeGreaterThanOrEqual(1)
    await tick(10 * TIMEOUT)
    expect(alice.status).toBe('connected')
  })

  it('a tab that sends keeps quiet: neither heartbeat nor keepalive while it writes', async () => {
    const network = createFakeNetwork()
    const alice = join(network, 'alice')
    await tick(0)
    const socket = network.sockets[0]!
    const before = socket.sent.filter(isHeartbeatFrame).length
    await busyRoom(socket, 20_000, (t) => alice.setActivity(t % 800 === 0 ? 'replying' : 'viewing'))
    expect(alice.status).toBe('connected')
    expect(socket.sent.filter(isHeartbeatFrame).length - before).toBe(0)
    expect(socket.sent.filter(isKeepaliveFrame).length).toBe(0)
  })

  it('declares a silent connection dead within the liveness timeout, clears others, reconnects', async () => {
    const network = createFakeNetwork()
    const alice = join(network, 'alice')
    join(network, 'bob')
    await tick(0)
    const seen = statuses(alice)
    expect(ids(alice)).toEqual(['bob'])
    network.blackHole = true
    await tick(TIMEOUT - 100)
    expect(alice.status).toBe('connected')
    await tick(200)
    expect(alice.status).toBe('reconnecting')
    expect(alice.others).toEqual([])
    network.blackHole = false
    // the black hole also ate the handshake in flight; the next attempt succeeds
    await tick(TIMEOUT + 1000)
    expect(alice.status).toBe('connected')
    expect(ids(alice)).toEqual(['bob'])
    expect(seen).toEqual(['connected', 'reconnecting', 'connected'])
  })

  it('retries a handshake that never completes', async () => {
    const network = createFakeNetwork()
    network.blackHole = true
    const alice = join(network, 'alice')
    await tick(TIMEOUT + 500)
    expect(network.sockets.length).toBe(2)
    expect(alice.status).toBe('connecting')
    network.blackHole = false
    await tick(TIMEOUT + 500)
    expect(alice.status).toBe('connected')
  })

  it('does not judge when its own timer fired late (frozen page), but still detects real loss', async () => {
    const network = createFakeNetwork()
    let skew = 0
    const now = () => performance.now() + skew
    const events: string[] = []
    const connection = createConnection(
      {
        url: 'ws://relay.test',
        room: ROOM,
        token: token('alice'),
        WebSocket: network.WebSocket,
        environment: null,
        heartbeatIntervalMs: HEARTBEAT,
        livenessTimeoutMs: TIMEOUT,
        reconnectMinDelayMs: 100,
        reconnectMaxDelayMs: 400,
        now,
      },
      {
        open: () => events.push('open'),
        message: () => {},
        lost: () => events.push('lost'),
        status: (s) => events.push(s),
        error: (e) => events.push(`error:${e.code}`),
      },
    )
    cleanups.push(() => connection.destroy())
    await tick(0)
    expect(connection.status).toBe('connected')

    // Frozen for a minute with a healthy socket: the clock leaps, the timer fires "late".
    skew += 60_000
    await tick(HEARTBEAT)
    await tick(TIMEOUT * 2)
    expect(connection.status).toBe('connected')
    expect(events).toEqual(['open', 'connected'])

    // Frozen again, and this time the network is gone: one full timeout after waking, it is lost.
    network.blackHole = true
    skew += 60_000
    await tick(HEARTBEAT) // the late tick happens in here: from then on, a full timeout
    expect(connection.status).toBe('connected')
    await tick(TIMEOUT - HEARTBEAT - 100)
    expect(connection.status).toBe('connected')
    await tick(HEARTBEAT + 200)
    expect(connection.status).toBe('reconnecting')
    expect(events).toEqual(['open', 'connected', 'lost', 'reconnecting'])
  })

  it('probes at once when the page says the network came back', async () => {
    const network = createFakeNetwork()
    const page = createFakePage()
    const alice = join(network, 'alice', {
      environment: page,
      reconnectMinDelayMs: 4000,
      reconnectMaxDelayMs: 4000,
    })
    await tick(0)
    network.sockets[0]!.serverClose(1012)
    await tick(0)
    expect(alice.status).toBe('reconnecting')
    const before = network.sockets.length
    page.dispatch('online')
    await tick(0)
    expect(network.sockets.length).toBe(before + 1)
    expect(alice.status).toBe('connected')
  })
})

describe('close codes', () => {
  it('stops on 4403 (room not granted)', async () => {
    const network = createFakeNetwork()
    network.refuse = () => 4403
    const alice = join(network, 'alice')
    await tick(10_000)
    expect(alice.status).toBe('closed')
    expect(network.sockets.length).toBe(1)
  })

  it('reconnects with backoff after 1012 (relay restarting)', async () => {
    const network = createFakeNetwork()
    const alice = join(network, 'alice')
    await tick(0)
    const seen = statuses(alice)
    network.sockets[0]!.serverClose(1012)
    // The reconnect delay is drawn from [0, min delay] (full jitter): it may be 0, so the
    // sequence of statuses, not the status at one instant, shows the reconnection.
    await tick(100)
    expect(alice.status).toBe('connected')
    expect(seen).toEqual(['connected', 'reconnecting', 'connected'])
  })

  it('takes a fresh client ID after 4409 (client ID taken) and rejoins at once', async () => {
    const network = createFakeNetwork()
    const alice = join(network, 'alice')
    await tick(0)
    const before = alice.clientId
    const seen = statuses(alice)
    network.sockets[0]!.serverClose(4409)
    // At once: no backoff draw (a fake timer tick of 0 runs only what is already due).
    await tick(0)
    expect(alice.status).toBe('connected')
    expect(seen).toEqual(['connected', 'reconnecting', 'connected'])
    expect(alice.clientId).not.toBe(before)
    const announced = network.sockets[1]!.sent.map(sentEntries).find((e) => e !== null)
    expect(announced?.map((e) => e.clientId)).toEqual([alice.clientId])
    expect(network.states(ROOM).has(alice.clientId)).toBe(true)
  })

  it('backs off when 4409 comes again and again (a fresh ID is taken by nobody)', async () => {
    const network = createFakeNetwork()
    network.refuse = () => 4409
    // The backoff's full jitter drawn mid-range: a run of small draws would pack 12 attempts
    // into the second and fail the bound by chance.
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    join(network, 'alice')
    await tick(0)
    // Two immediate rejoins, then the backoff (100-400 ms here) spaces the attempts.
    expect(network.sockets.length).toBe(3)
    await tick(1000)
    expect(network.sockets.length).toBeLessThan(12)
  })

  it('acknowledges what it reads: a heartbeat after every 16 KiB received', async () => {
    const network = createFakeNetwork()
    const alice = join(network, 'alice')
    await tick(0)
    const socket = network.sockets[0]!
    const heartbeats = () => socket.sent.filter((f) => sentEntries(f)?.length === 0).length
    const before = heartbeats()
    const big = (i: number) => ({
      clientId: 900 + i,
      clock: 1,
      json: JSON.stringify({ pad: 'x'.repeat(4000) }),
    })
    for (let i = 0; i < 10; i++)
      (socket as unknown as Receiver).receive(encodeAwarenessFrame([big(i)]))
    await tick(0)
    // 10 frames of ~4 KB: one acknowledgement per 16 KiB (after the 5th and the 10th), not
    // one per frame, and no timer needed.
    expect(heartbeats() - before).toBe(2)
    expect(alice.status).toBe('connected')
  })

  it('asks for a fresh token after 4401 and reconnects with it', async () => {
    const network = createFakeNetwork()
    const fresh = token('alice')
    network.refuse = (socket) => (socket.token === fresh ? null : 4401)
    const getToken = vi.fn(async () => fresh)
    const alice = join(network, 'alice', {
      token: fakeToken({ sub: 'alice', name: 'alice', exp: 1 }),
      getToken,
    })
    await tick(1000)
    expect(getToken).toHaveBeenCalled()
    expect(alice.status).toBe('connected')
    expect(network.sockets.at(-1)!.token).toBe(fresh)
  })

  it('closes on 4401 when no getToken is given', async () => {
    const network = createFakeNetwork()
    network.refuse = () => 4401
    const alice = join(network, 'alice')
    await tick(5000)
    expect(alice.status).toBe('closed')
    expect(network.sockets.length).toBe(1)
  })
})

describe('token refresh', () => {
  it('replaces a token near expiry on a new socket without the agent ever disappearing', async () => {
    const network = createFakeNetwork()
    const observer = join(network, 'olga')
    const samples: (readonly Viewer[])[] = []
    observer.subscribe((others) => samples.push(others))
    const getToken = vi.fn(async () => token('alice', 3600))
    const alice = join(network, 'alice', { token: token('alice', 10), getToken })
    await tick(0)
    expect(ids(observer)).toEqual(['alice'])
    const first = network.sockets[1]!
    await tick(8_100) // 80% of a 10 s token
    expect(getToken).toHaveBeenCalledTimes(1)
    const second = network.sockets[2]!
    expect(second.token).not.toBe(first.token)
    expect(first.readyState).toBe(3) // retired after the relay confirmed the takeover
    expect(second.readyState).toBe(1)
    // the takeover: this tab's state, then a heartbeat, on the new socket
    expect(second.sent[0]![0]).toBe(1)
    expect(second.sent[1]).toEqual(HEARTBEAT_FRAME)
    await tick(5000)
    expect(alice.status).toBe('connected')
    expect(ids(observer)).toEqual(['alice'])
    // sampled throughout: once alice appeared she never left
    const appeared = samples.findIndex((s) => s.length === 1)
    expect(appeared).toBeGreaterThanOrEqual(0)
    expect(samples.slice(appeared).every((s) => s.length === 1)).toBe(true)
    alice.setActivity('replying')
    await tick(0)
    expect(observer.others[0]?.activity).toBe('replying')
  })

  it('keeps the current socket when the new one never opens, and hands over later', async () => {
    const network = createFakeNetwork()
    const getToken = vi.fn(async () => token('alice', 3600))
    const alice = join(network, 'alice', { token: token('alice', 10), getToken })
    await tick(0)
    network.unreachable = true
    await tick(8_001)
    expect(getToken).toHaveBeenCalled()
    // Every handover so far failed; the connection stays on its first socket.
    expect(network.sockets.length).toBeGreaterThanOrEqual(2)
    expect(network.sockets.slice(1).every((socket) => socket.readyState === 3)).toBe(true)
    expect(network.sockets[0]!.readyState).toBe(1)
    expect(alice.status).toBe('connected')
    const calls = getToken.mock.calls.length
    network.unreachable = false
    await tick(6000) // the refresh is retried within the backoff window (at most 5 s)
    expect(getToken.mock.calls.length).toBeGreaterThan(calls)
    expect(network.sockets.at(-1)!.readyState).toBe(1)
    expect(network.sockets[0]!.readyState).toBe(3)
    expect(alice.status).toBe('connected')
  })

  it('keeps the current socket when getToken fails, and tries again later', async () => {
    const network = createFakeNetwork()
    let fail: (error: Error) => void = () => {}
    const getToken = vi
      .fn<() => Promise<string>>()
      .mockReturnValueOnce(new Promise((_, reject) => (fail = reject)))
      .mockResolvedValue(token('alice'))
    const alice = join(network, 'alice', { token: token('alice', 10), getToken })
    await tick(8_001)
    expect(getToken).toHaveBeenCalledTimes(1)
    fail(new Error('backend down'))
    await tick(0)
    expect(alice.status).toBe('connected')
    expect(network.sockets.length).toBe(1)
    await tick(2000) // retried within the (>= 1 s) backoff window
    expect(getToken).toHaveBeenCalledTimes(2)
    expect(network.sockets.length).toBe(2)
    expect(network.sockets[0]!.readyState).toBe(3)
    expect(alice.status).toBe('connected')
  })
})
