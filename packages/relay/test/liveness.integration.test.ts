import type { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { FAST, join, presence, startRelay, type TestClient, uniqueRoom } from './fixtures.js'

/** Stops reading the socket: pings are no longer answered, as with a dead network path. */
function blackHole(client: TestClient): void {
  ;(client.ws as unknown as { _socket: Socket })._socket.pause()
}

async function msUntilGone(watcher: TestClient, clientId: number): Promise<number> {
  const start = performance.now()
  await expect
    .poll(() => watcher.live().has(clientId), { timeout: 15_000, interval: 20 })
    .toBe(false)
  return performance.now() - start
}

describe('liveness', () => {
  it('drops a connection that stops answering and removes its state within the timeout', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    alice.setState(11, 1, presence('alice'))
    await expect.poll(() => bob.live().has(11)).toBe(true)
    blackHole(alice)
    const elapsed = await msUntilGone(bob, 11)
    // Pinged after 200 ms of silence, dropped before 600 ms of silence (+ delivery slack).
    expect(elapsed).toBeGreaterThan(FAST.pingIntervalMs!)
    expect(elapsed).toBeLessThan(FAST.livenessTimeoutMs! + 250)
    await expect.poll(() => relay.stats().connections).toBe(1)
  })

  it('keeps a silent connection that answers pings, for several timeouts', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    alice.setState(11, 1, presence('alice'))
    await expect.poll(() => bob.live().has(11)).toBe(true)
    // Neither client sends a frame; `ws` answers pings on its own, as browsers do.
    const until = performance.now() + 4 * FAST.livenessTimeoutMs!
    while (performance.now() < until) {
      expect(bob.live().has(11)).toBe(true)
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(relay.stats().connections).toBe(2)
    expect(alice.closeCode).toBeUndefined()
  })

  it('drops a dead connection within 10 s with the default configuration', async () => {
    const relay = await startRelay({
      pingIntervalMs: undefined,
      livenessTimeoutMs: undefined,
      sweepIntervalMs: undefined,
      refreshIntervalMs: undefined,
    })
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    alice.setState(11, 1, presence('alice'))
    await expect.poll(() => bob.live().has(11)).toBe(true)
    blackHole(alice)
    const elapsed = await msUntilGone(bob, 11)
    expect(elapsed).toBeGreaterThan(5000)
    expect(elapsed).toBeLessThan(10_000 + 250)
  }, 20_000)
})

describe('relay clocks', () => {
  it('re-sends a silent but live state with a rising clock, never to its owner', async () => {
    const relay = await startRelay({ refreshIntervalMs: 300 })
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    alice.setState(11, 1, presence('alice'))
    await expect.poll(() => bob.live().has(11)).toBe(true)
    const clocksOf11 = () =>
      bob.stateFrames().flatMap((f) => f.filter((e) => e.clientId === 11).map((e) => e.clock))
    await expect.poll(() => clocksOf11().length, { timeout: 5000 }).toBeGreaterThanOrEqual(4)
    const clocks = clocksOf11()
    for (let i = 1; i < clocks.length; i++) expect(clocks[i]!).toBeGreaterThan(clocks[i - 1]!)
    expect(
      alice
        .stateFrames()
        .flat()
        .some((e) => e.clientId === 11),
    ).toBe(false)
  })

  it('hands out clocks after a restart that are higher than the previous relay gave', async () => {
    const room = uniqueRoom()
    const first = await startRelay()
    const a1 = await join(first, room, 'alice')
    const b1 = await join(first, room, 'bob')
    a1.setState(11, 5, presence('alice'))
    await expect.poll(() => b1.live().has(11)).toBe(true)
    const oldClock = b1.states.get(11)!.clock
    await first.close()
    await b1.closed()

    const second = await startRelay()
    const b2 = await join(second, room, 'bob')
    const a2 = await join(second, room, 'alice')
    // The tab re-announces with its own old clock, as y-websocket does (y-websocket#122).
    a2.setState(11, 5, presence('alice'))
    await expect.poll(() => b2.live().has(11)).toBe(true)
    expect(b2.states.get(11)!.clock).toBeGreaterThan(oldClock)
  })
})

describe('token expiry', () => {
  it('closes a live connection with 4401 when its token expires and removes its state', async () => {
    const relay = await startRelay({ clockToleranceSec: 0 })
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice', { expiresIn: 2 })
    const bob = await join(relay, room, 'bob')
    alice.setState(11, 1, presence('alice'))
    await expect.poll(() => bob.live().has(11)).toBe(true)
    expect(await alice.closed()).toBe(4401)
    expect(bob.live().has(11)).toBe(false)
  })
})
