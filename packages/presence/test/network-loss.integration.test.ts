/**
 * A silently cut network between one client and the real relay: the proxy swallows every byte
 * and every close in both directions, so the relay's close of the dead connection never
 * reaches the client, and each side finds out by its own liveness check alone.
 */
import { startProxy } from '@sightline/testkit/vitest'
import { describe, expect, it } from 'vitest'
import {
  FAST_CLIENT,
  FAST_RELAY,
  join,
  startRelay,
  uniqueRoom,
  viewersOf,
} from './relay-fixtures.js'

describe('silent network loss', () => {
  it('both sides drop the cut-off agent within the liveness timeout, and heal within 2 s', async () => {
    const relay = await startRelay()
    const proxy = await startProxy(relay.port)
    const room = uniqueRoom()
    const alice = join(proxy, room, 'alice')
    const bob = join(relay, room, 'bob')
    await expect.poll(() => viewersOf(alice)).toEqual(['bob:viewing:here:1'])
    await expect.poll(() => viewersOf(bob)).toEqual(['alice:viewing:here:1'])

    proxy.cut()
    const cut = performance.now()
    // The relay reaps alice (it stops getting pongs); alice declares her side dead on her own:
    // the relay's close is held in the cut path.
    await expect
      .poll(() => viewersOf(bob), { timeout: FAST_RELAY.livenessTimeoutMs! + 1000, interval: 20 })
      .toEqual([])
    await expect
      .poll(() => alice.status, { timeout: FAST_CLIENT.livenessTimeoutMs + 1000, interval: 20 })
      .toBe('reconnecting')
    expect(alice.others).toEqual([])
    expect(performance.now() - cut).toBeLessThan(FAST_CLIENT.livenessTimeoutMs + 1000)

    proxy.heal()
    const healed = performance.now()
    await expect
      .poll(() => viewersOf(bob), { timeout: 2000, interval: 20 })
      .toEqual(['alice:viewing:here:1'])
    await expect
      .poll(() => viewersOf(alice), { timeout: 2000, interval: 20 })
      .toEqual(['bob:viewing:here:1'])
    expect(alice.status).toBe('connected')
    expect(performance.now() - healed).toBeLessThan(2000)
  })
})

describe('default intervals', () => {
  it('two clients with the default options see each other and part at once', async () => {
    const relay = await startRelay({
      pingIntervalMs: 5000,
      livenessTimeoutMs: 10_000,
      refreshIntervalMs: 15_000,
      sweepIntervalMs: 1000,
    })
    const room = uniqueRoom()
    const defaults = {
      heartbeatIntervalMs: undefined,
      livenessTimeoutMs: undefined,
      reconnectMinDelayMs: undefined,
      reconnectMaxDelayMs: undefined,
    }
    const alice = join(relay, room, 'alice', defaults)
    const bob = join(relay, room, 'bob', defaults)
    await expect.poll(() => viewersOf(alice), { timeout: 1000 }).toEqual(['bob:viewing:here:1'])
    await expect.poll(() => viewersOf(bob), { timeout: 1000 }).toEqual(['alice:viewing:here:1'])
    bob.setActivity('replying')
    await expect.poll(() => viewersOf(alice), { timeout: 1000 }).toEqual(['bob:replying:here:1'])
    bob.destroy()
    await expect.poll(() => viewersOf(alice), { timeout: 1000 }).toEqual([])
  })
})
