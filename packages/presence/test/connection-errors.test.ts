/**
 * Errors that name their cause, on fake timers and the fake relay: the relay's close reason
 * (or the code's meaning) in `onError` and `error`, `connected` only once admitted, and
 * attempts that keep failing reported instead of `connecting` forever.
 */
import { CloseCode, CloseReason } from '@sightline/protocol'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { UNREACHABLE_AFTER } from '../src/connection.js'
import {
  type ConnectionStatus,
  createPresence,
  type PresenceClient,
  type PresenceError,
} from '../src/index.js'
import type { WebSocketCtor } from '../src/websocket-like.js'
import { createFakeNetwork, type FakeNetwork, fakeToken } from './fake-network.js'

const ROOM = 'mailbox/1/conversation/7'
const cleanups: (() => void)[] = []

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
  vi.useRealTimers()
})

const token = (sub: string) =>
  fakeToken({ sub, name: sub, exp: Math.floor(Date.now() / 1000) + 3600 })
const tick = (ms: number) => vi.advanceTimersByTimeAsync(ms)

/** A client on `network` with every status and error it reports. */
function join(
  network: FakeNetwork | { WebSocket: WebSocketCtor },
  extra: Partial<Parameters<typeof createPresence>[0]> = {},
) {
  const client: PresenceClient = createPresence({
    url: 'ws://relay.test',
    room: ROOM,
    token: token('alice'),
    WebSocket: network.WebSocket,
    environment: null,
    heartbeatIntervalMs: 1000,
    livenessTimeoutMs: 3000,
    reconnectMinDelayMs: 100,
    reconnectMaxDelayMs: 400,
    ...extra,
  })
  cleanups.push(() => client.destroy())
  const statuses: ConnectionStatus[] = []
  const errors: PresenceError[] = []
  client.onStatus((s) => statuses.push(s))
  client.onError((e) => errors.push(e))
  return { client, statuses, errors }
}

describe('a refusal names its cause', () => {
  it('hands on the reason the relay sent with the close code', async () => {
    const network = createFakeNetwork()
    network.refuse = () => ({ code: CloseCode.Forbidden, reason: 'origin not allowed' })
    const { client, errors } = join(network)
    await tick(1000)
    expect(errors.map((e) => e.code)).toEqual(['refused'])
    const [error] = errors
    expect(error?.closeCode).toBe(4403)
    expect(error?.closeReason).toBe('origin not allowed')
    expect(error?.message).toBe(
      'the relay refused the connection: origin not allowed (close code 4403)',
    )
    expect(client.status).toBe('closed')
    expect(client.error).toBe(error)
  })

  it("falls back on the code's documented meaning when the relay sent no reason", async () => {
    const network = createFakeNetwork()
    network.refuse = () => CloseCode.BadToken
    const { errors } = join(network)
    await tick(1000)
    expect(errors[0]?.closeReason).toBe(CloseReason[CloseCode.BadToken])
    expect(errors[0]?.message).toContain('bad or expired token')
  })

  it('is never `connected` before the relay admitted it (a bad token opens, then closes)', async () => {
    const network = createFakeNetwork()
    network.refuse = () => CloseCode.BadToken
    const { statuses } = join(network)
    await tick(1000)
    expect(network.sockets[0]?.readyState).toBe(3) // it did open, and was refused
    expect(statuses).toEqual(['connecting', 'closed'])
  })

  it('turns `connected` on the relay greeting, not on the socket opening', async () => {
    const network = createFakeNetwork()
    network.refuse = () => CloseCode.BadToken
    const { statuses, client } = join(network, { getToken: async () => token('alice') })
    await tick(0)
    expect(statuses).toEqual(['connecting'])
    network.refuse = null
    await tick(1000)
    expect(client.status).toBe('connected')
    expect(statuses).toEqual(['connecting', 'connected'])
  })
})

describe('attempts that keep failing', () => {
  it(`report the last cause after ${UNREACHABLE_AFTER} attempts, keep trying, and clear on admission`, async () => {
    const network = createFakeNetwork()
    network.unreachable = true
    const { client, errors, statuses } = join(network)
    await tick(0)
    expect(errors).toEqual([]) // one failure is a blip
    await tick(5000)
    expect(errors.map((e) => e.code)).toEqual(['connect-failed'])
    expect(errors[0]?.closeCode).toBe(1006)
    expect(errors[0]?.message).toMatch(
      /^could not join mailbox\/1\/conversation\/7 at ws:\/\/relay\.test \(3 attempts\): no connection to the relay/,
    )
    expect(client.error).toBe(errors[0])
    expect(network.sockets.length).toBeGreaterThan(UNREACHABLE_AFTER) // still trying
    expect(statuses).toEqual(['connecting'])

    network.unreachable = false
    await tick(1000)
    expect(client.status).toBe('connected')
    expect(client.error).toBeNull()
    expect(errors).toHaveLength(1) // once per run of failures
  })

  it('counts refusals it retries too: tokens from getToken that the relay keeps refusing', async () => {
    const network = createFakeNetwork()
    network.refuse = () => ({ code: CloseCode.BadToken, reason: 'bad or expired token' })
    const getToken = vi.fn(async () => token('alice'))
    const { errors, client } = join(network, { getToken })
    await tick(5000)
    const failed = errors.filter((e) => e.code === 'connect-failed')
    expect(failed).toHaveLength(1)
    expect(failed[0]?.message).toContain('bad or expired token (close code 4401)')
    expect(getToken.mock.calls.length).toBeGreaterThanOrEqual(UNREACHABLE_AFTER)
    expect(client.status).toBe('connecting')
  })

  it('counts a constructor that throws (a blocked port) as a failed attempt', async () => {
    const Throwing = class {
      constructor() {
        throw new Error('The port 6000 is not allowed.')
      }
    } as unknown as WebSocketCtor
    const { errors, client } = join({ WebSocket: Throwing })
    await tick(5000)
    expect(errors.map((e) => e.code)).toEqual(['connect-failed'])
    expect(errors[0]?.message).toContain('The port 6000 is not allowed.')
    expect(errors[0]?.cause).toBeInstanceOf(Error)
    expect(client.status).toBe('connecting')
  })
})
