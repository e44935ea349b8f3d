/**
 * Killed and stopped processes: a presence client in its own OS process is killed with -9 or
 * stopped with SIGSTOP (a laptop asleep). The two prove different things:
 *
 * - kill -9: the OS closes the socket, so the relay hears a close (1006) at once; this proves
 *   that a closed connection's states go within the removal grace, not the relay's liveness
 *   check (it passes with liveness switched off);
 * - SIGSTOP: the socket stays open and nothing answers, so only the relay's liveness check
 *   (ping, then timeout) can remove the agent; after SIGCONT it must be back within 2 s.
 *
 * Short intervals, then defaults.
 */
import { describe, expect, it } from 'vitest'
import { runTs } from './child-process.js'
import { FAST_RELAY, join, startRelay, token, uniqueRoom, viewersOf } from './relay-fixtures.js'

const CHILD = 'packages/presence/test/presence-child.ts'

const DEFAULT_RELAY = {
  pingIntervalMs: undefined,
  livenessTimeoutMs: undefined,
  sweepIntervalMs: undefined,
  refreshIntervalMs: undefined,
}
const DEFAULT_CLIENT = {
  heartbeatIntervalMs: undefined,
  livenessTimeoutMs: undefined,
  reconnectMinDelayMs: undefined,
  reconnectMaxDelayMs: undefined,
}

/** Starts alice in a child process and waits until bob sees her. */
async function aliceInAProcess(fast: boolean) {
  const relay = await startRelay(fast ? {} : DEFAULT_RELAY)
  const room = uniqueRoom()
  const bob = join(relay, room, 'bob', fast ? {} : DEFAULT_CLIENT)
  const alice = runTs(CHILD, [relay.url, room, token('alice'), fast ? 'fast' : 'defaults'])
  await expect.poll(() => viewersOf(bob), { timeout: 20_000 }).toEqual(['alice:viewing:here:1'])
  return { bob, alice, relay }
}

/** How long until `bob` no longer shows alice, polled every 20 ms up to `timeout`. */
async function msUntilGone(bob: ReturnType<typeof join>, timeout: number): Promise<number> {
  const start = performance.now()
  await expect.poll(() => viewersOf(bob), { timeout, interval: 20 }).toEqual([])
  return performance.now() - start
}

describe.each([
  { name: 'short intervals', fast: true, livenessTimeoutMs: FAST_RELAY.livenessTimeoutMs! },
  { name: 'default intervals', fast: false, livenessTimeoutMs: 10_000 },
])('killed and stopped clients ($name)', ({ fast, livenessTimeoutMs }) => {
  const bound = livenessTimeoutMs + 1000

  it('kill -9 (the OS closes the socket, no liveness check needed): gone for the watcher within the liveness timeout', async () => {
    const { bob, alice } = await aliceInAProcess(fast)
    alice.process.kill('SIGKILL')
    expect(await msUntilGone(bob, bound + 1000)).toBeLessThan(bound)
    await alice.exited
    expect(bob.status).toBe('connected')
  }, 40_000)

  it("SIGSTOP (asleep, socket open): the relay's liveness check removes it within the timeout; back within 2 s of SIGCONT", async () => {
    const { bob, alice, relay } = await aliceInAProcess(fast)
    alice.process.kill('SIGSTOP')
    const elapsed = await msUntilGone(bob, bound + 1000)
    // The relay pinged first and waited: the state went because nothing answered.
    expect(elapsed).toBeGreaterThan(livenessTimeoutMs / 2)
    expect(elapsed).toBeLessThan(bound)
    await expect.poll(() => relay.stats().connections).toBe(1)

    alice.process.kill('SIGCONT')
    const woke = performance.now()
    await expect
      .poll(() => viewersOf(bob), { timeout: 2000, interval: 20 })
      .toEqual(['alice:viewing:here:1'])
    expect(performance.now() - woke).toBeLessThan(2000)
  }, 40_000)
})
