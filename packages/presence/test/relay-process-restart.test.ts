/**
 * Relay restart (issue 3, point 5) with the real relay CLI in its own process, stopped with
 * SIGTERM (clients get 1012) and with kill -9 (sockets just die), then started again on the
 * same port. Six presence clients with the default options: every one reconnects, at spread
 * out moments (jittered backoff), presence is complete within 5 s of the relay listening
 * again, and the agent who left while the relay was down does not come back.
 */
import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { type Child, runTs } from './child-process.js'
import { join, SECRET, uniqueRoom, viewersOf } from './relay-fixtures.js'

const CLI = 'packages/relay/src/cli.ts'
const AGENTS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'] as const
const DEFAULTS = {
  heartbeatIntervalMs: undefined,
  livenessTimeoutMs: undefined,
  reconnectMinDelayMs: undefined,
  reconnectMaxDelayMs: undefined,
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Starts the relay CLI on `port`; resolves once it logged that it listens. */
async function startRelayCli(port: number): Promise<{ child: Child; url: string; at: number }> {
  const child = runTs(CLI, [], {
    SIGHTLINE_JWT_SECRET: SECRET,
    PORT: String(port),
    SIGHTLINE_LOG_LEVEL: 'info',
  })
  await expect
    .poll(() => child.output(), { timeout: 30_000, interval: 20 })
    .toContain('relay listening on')
  return { child, url: `ws://127.0.0.1:${port}`, at: performance.now() }
}

describe.each(['SIGTERM', 'SIGKILL'] as const)('relay CLI stopped with %s', (signal) => {
  it('every client reconnects with jitter, presence is whole within 5 s, the leaver stays gone', async () => {
    const port = await freePort()
    const first = await startRelayCli(port)
    const room = uniqueRoom()
    const clients = AGENTS.map((sub) => join(first, room, sub, DEFAULTS))
    const everyoneElse = (sub: string) =>
      AGENTS.filter((a) => a !== sub && a !== 'frank').map((a) => `${a}:viewing:here:1`)
    for (const c of clients) {
      await expect.poll(() => c.others.length, { timeout: 5000 }).toBe(AGENTS.length - 1)
    }

    first.child.process.kill(signal)
    await first.child.exited
    for (const c of clients) await expect.poll(() => c.status).toBe('reconnecting')
    clients[5]!.destroy() // frank closes his tab while the relay is down
    const reconnectedAt = new Map<string, number>()
    for (const [i, c] of clients.slice(0, 5).entries()) {
      c.onStatus((s) => {
        if (s === 'connected') reconnectedAt.set(AGENTS[i]!, performance.now())
      })
    }

    const second = await startRelayCli(port)
    const live = clients.slice(0, 5)
    for (const [i, c] of live.entries()) {
      await expect
        // In any order: the relay re-stamps each agent's `since` (older than it tolerates)
        // when the agent comes back, so the fold order is the order of reconnection.
        .poll(() => viewersOf(c).sort(), { timeout: 5000 - (performance.now() - second.at) })
        .toEqual(everyoneElse(AGENTS[i]!).sort())
    }
    expect(performance.now() - second.at).toBeLessThan(5000)

    // Jittered: the reconnect moments are spread out, not one burst.
    const times = [...reconnectedAt.values()]
    expect(times).toHaveLength(5)
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(100)
    expect(new Set(times.map((t) => Math.round(t / 20))).size).toBeGreaterThan(2)

    // Frank never comes back, also after every backoff window has passed.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    for (const [i, c] of live.entries()) {
      expect(viewersOf(c).sort()).toEqual(everyoneElse(AGENTS[i]!).sort())
    }
    second.child.process.kill('SIGTERM')
    await second.child.exited
  }, 60_000)
})
