/**
 * The client's reconnect schedule with its default options (250 ms doubling up to a 5 s
 * window, docs/presence-contract.md), measured attempt by attempt on fake timers, the fake
 * relay made unreachable and the jitter pinned (`Math.random`, which the client draws from by
 * default). An outage's length never decides here: every gap between attempts is asserted.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPresence } from '../src/index.js'
import type { WebSocketCtor } from '../src/websocket-like.js'
import { createFakeNetwork, type FakeNetwork, fakeToken } from './fake-network.js'

const cleanups: (() => void)[] = []

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
  vi.restoreAllMocks()
  vi.useRealTimers()
})

/** A client with every reconnect option at its default; resolves the times it opened sockets. */
function joinCounting(network: FakeNetwork): number[] {
  const openedAt: number[] = []
  const Counting = function (this: unknown, ...args: ConstructorParameters<WebSocketCtor>) {
    openedAt.push(Date.now())
    return new network.WebSocket(...args)
  } as unknown as WebSocketCtor
  const client = createPresence({
    url: 'ws://relay.test',
    room: 'mailbox/1/conversation/7',
    token: fakeToken({ sub: 'alice', name: 'Alice', exp: Math.floor(Date.now() / 1000) + 3600 }),
    WebSocket: Counting,
    environment: null,
  })
  cleanups.push(() => client.destroy())
  return openedAt
}

/** Gaps between consecutive attempts, ms. */
const gaps = (times: readonly number[]) => times.slice(1).map((t, i) => t - times[i]!)

describe('reconnect backoff, default options', () => {
  it('doubles from 250 ms and caps the window at exactly 5 s (jitter at mid-window)', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    const network = createFakeNetwork()
    network.unreachable = true
    const openedAt = joinCounting(network)
    await vi.advanceTimersByTimeAsync(30_000)
    // Windows 250, 500, 1000, 2000, 4000, then 5000 (not 8000, 16000...): half of each.
    expect(gaps(openedAt).slice(0, 9)).toEqual([125, 250, 500, 1000, 2000, 2500, 2500, 2500, 2500])
  })

  it('never waits 5 s or more, however long the outage (jitter at the top of the window)', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1 - 2 ** -20)
    const network = createFakeNetwork()
    network.unreachable = true
    const openedAt = joinCounting(network)
    await vi.advanceTimersByTimeAsync(120_000)
    const waits = gaps(openedAt)
    expect(waits.length).toBeGreaterThan(20)
    // The window reached (not a smaller cap): the long waits are within 5 ms of 5 s.
    for (const wait of waits.slice(5)) {
      expect(wait).toBeLessThan(5_000)
      expect(wait).toBeGreaterThanOrEqual(4_995)
    }
  })

  it('starts again from 250 ms once the relay admits the client', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    const network = createFakeNetwork()
    network.unreachable = true
    const openedAt = joinCounting(network)
    await vi.advanceTimersByTimeAsync(20_000)
    network.unreachable = false
    await vi.advanceTimersByTimeAsync(5_000)
    const admitted = openedAt.length
    expect(network.sockets.at(-1)?.readyState).toBe(1)
    network.unreachable = true
    const closedAt = Date.now()
    network.sockets.at(-1)!.serverClose(1012)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(gaps([closedAt, ...openedAt.slice(admitted)]).slice(0, 4)).toEqual([125, 250, 500, 1000])
  })
})
