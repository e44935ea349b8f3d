/**
 * Relay restart with the real relay CLI in its own process, stopped with SIGTERM (clients get
 * 1012) and with kill -9 (sockets just die), then started again on the same port. Six presence
 * clients with the default options and one stock y-websocket provider. The outage lasts until
 * every client's backoff has reached its cap (so a larger cap than the default 5 s fails the
 * bound); then every one reconnects, at spread out moments (jittered backoff), presence is
 * complete within 5 s of the relay listening again, also for the stock provider (which
 * remembers the clocks it saw: relay clocks that restarted low would be ignored), and the agent
 * who left while the relay was down does not come back.
 */
import { createServer } from 'node:net'
import { readPresenceState } from '@sightline/protocol'
import { describe, expect, it, onTestFinished } from 'vitest'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { type Child, runTs } from './child-process.js'
import { join, RecordingWebSocket, SECRET, token, uniqueRoom, viewersOf } from './relay-fixtures.js'

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

/** Attempts to reach the relay after which a client's backoff window is at its 5 s cap. */
const ATTEMPTS_TO_CAP = 6 // windows 250, 500, 1000, 2000, 4000, then 5000 ms

/** Sockets `sub`'s client opened since `from` (an index into RecordingWebSocket.instances). */
function socketsOf(sub: string, from: number): number {
  return RecordingWebSocket.instances.slice(from).filter((s) => subjectOf(s.token) === sub).length
}

function subjectOf(jwt: string): unknown {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()).sub
}

/** A stock y-websocket provider watching `room`; returns the agents it currently shows. */
function stockWatcher(url: string, room: string): () => string[] {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(url, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token: token('george') },
    disableBc: true,
  })
  onTestFinished(() => {
    provider.destroy()
    doc.destroy()
  })
  return () =>
    [...provider.awareness.getStates()]
      .filter(([id]) => id !== provider.awareness.clientID)
      .map(([, state]) => readPresenceState(state)?.user.id)
      .filter((id) => id !== undefined)
      .sort()
}

describe.each(['SIGTERM', 'SIGKILL'] as const)('relay CLI stopped with %s', (signal) => {
  // One retry on CI, understood: the bound (5 s from the relay's return) equals the backoff
  // cap, so a client whose random window falls in its last few ms lands a hair past it when
  // the shared machine is slow to schedule the reconnect. Listed by the retries reporter.
  it('every client reconnects with jitter, presence is whole within 5 s, the leaver stays gone', {
    retry: process.env['CI'] ? 1 : 0,
    timeout: 90_000,
  }, async () => {
    const port = await freePort()
    const first = await startRelayCli(port)
    const room = uniqueRoom()
    const clients = AGENTS.map((sub) => join(first, room, sub, DEFAULTS))
    const everyoneElse = (sub: string) =>
      AGENTS.filter((a) => a !== sub && a !== 'frank').map((a) => `${a}:viewing:here:1`)
    for (const c of clients) {
      await expect.poll(() => c.others.length, { timeout: 5000 }).toBe(AGENTS.length - 1)
    }
    const george = stockWatcher(first.url, room)
    await expect.poll(george, { timeout: 5000 }).toEqual([...AGENTS])

    const outageFrom = RecordingWebSocket.instances.length
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

    // A long outage: every client's backoff reaches its cap before the relay comes back.
    for (const sub of AGENTS.slice(0, 5)) {
      await expect
        .poll(() => socketsOf(sub, outageFrom), { timeout: 30_000, interval: 50 })
        .toBeGreaterThanOrEqual(ATTEMPTS_TO_CAP)
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
    await expect
      .poll(george, { timeout: 5000 - (performance.now() - second.at) })
      .toEqual(AGENTS.slice(0, 5).slice().sort())
    expect(performance.now() - second.at).toBeLessThan(5000)

    // Jittered: the reconnect moments are spread out, not one burst.
    const times = [...reconnectedAt.values()]
    expect(times).toHaveLength(5)
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(100)
    expect(new Set(times.map((t) => Math.round(t / 20))).size).toBeGreaterThan(2)

    // Frank never comes back: once one more change from every agent has reached everyone,
    // nothing sent before it is still on its way, and he is still absent.
    for (const c of live) c.setActivity('replying')
    const replying = (sub: string) =>
      everyoneElse(sub)
        .map((v) => v.replace(':viewing:', ':replying:'))
        .sort()
    for (const [i, c] of live.entries()) {
      await expect.poll(() => viewersOf(c).sort()).toEqual(replying(AGENTS[i]!))
    }
    expect(george()).toEqual(AGENTS.slice(0, 5).slice().sort())
    second.child.process.kill('SIGTERM')
    await second.child.exited
  })
})
