/**
 * Bounded memory under room churn: many clients join and leave many rooms over real sockets
 * (some leave cleanly, some drop their socket), then everything must be back where it began:
 * no rooms, no connections, no extra handles or timers, heap near its baseline after GC.
 *
 * About 30 s by default. A longer run, bounded in time:
 *   SOAK_SECONDS=300 npx vitest run packages/relay/test/soak.integration.test.ts
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { encodeAwarenessFrame, HEARTBEAT_FRAME } from '@sightline/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { RelayHandle } from '../src/index.js'
import { mintToken, presence, startRelay } from './fixtures.js'

const SOAK_SECONDS = Number(process.env['SOAK_SECONDS'] ?? 20)
const ROOMS = 200
const CONCURRENT = 60

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

async function collect(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return process.memoryUsage().heapUsed
}

/**
 * Active resources by type (sockets, timers, ...), e.g. `{ TCPSocketWrap: 3, Timeout: 2 }`,
 * read after a quiet moment and outside any polling helper (whose own timer would count).
 * Immediates are transient and left out.
 */
async function resources(): Promise<Record<string, number>> {
  await new Promise((resolve) => setTimeout(resolve, 50))
  const counts: Record<string, number> = {}
  for (const r of process.getActiveResourcesInfo()) {
    if (r !== 'Immediate') counts[r] = (counts[r] ?? 0) + 1
  }
  return counts
}

/** Resources once they match `expected`, or as they are after `timeoutMs`. */
async function resourcesSettled(
  expected: Record<string, number>,
  timeoutMs: number,
): Promise<Record<string, number>> {
  const until = performance.now() + timeoutMs
  let now = await resources()
  while (JSON.stringify(now) !== JSON.stringify(expected) && performance.now() < until) {
    now = await resources()
  }
  return now
}

/** Sockets open right now (closed by the test's teardown if it fails midway). */
const open = new Set<WebSocket>()

/**
 * One client's life: join a random room, set a state, beat once, leave (cleanly or by
 * dropping the socket). A bare `ws` client: the fixtures' clients are kept until the test
 * ends, which would hold thousands of them here and hide what the relay frees.
 */
async function visit(relay: RelayHandle, tokens: string[], n: number): Promise<void> {
  const room = `mailbox/${n % 7}/conversation/${Math.floor(Math.random() * ROOMS)}`
  const sub = `agent${n % tokens.length}`
  const ws = new WebSocket(`${relay.url}/${room}?token=${tokens[n % tokens.length]}`)
  open.add(ws)
  ws.on('error', () => {})
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()))
  await new Promise<void>((resolve) => {
    ws.once('open', () => resolve())
    ws.once('close', () => resolve())
  })
  if (ws.readyState === WebSocket.OPEN) {
    const state = JSON.stringify(presence(sub))
    ws.send(encodeAwarenessFrame([{ clientId: n + 1, clock: 1, json: state }]))
    ws.send(HEARTBEAT_FRAME)
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 200))
    if (n % 3 === 0) ws.terminate()
    else ws.close()
  }
  await closed
  open.delete(ws)
}

describe('soak', () => {
  afterEach(() => {
    for (const ws of open) ws.terminate()
    open.clear()
  })

  it(
    `rooms, connections, handles and heap return to baseline after ${SOAK_SECONDS} s of churn`,
    async () => {
      const relay = await startRelay({ maxConnectionsPerSubject: 1000 })
      const tokens = await Promise.all(
        Array.from({ length: 20 }, (_, i) => mintToken({ sub: `agent${i}` })),
      )
      // Warm up (JIT, pools, lazily loaded modules) before taking the baseline.
      await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => visit(relay, tokens, i)))
      await expect.poll(() => relay.stats()).toEqual({ rooms: 0, connections: 0 })
      await relay.metrics.metrics()
      const baseResources = await resources()
      const baseHeap = await collect()
      const baseRss = process.memoryUsage().rss

      let visits = 0
      let peakRooms = 0
      const until = performance.now() + SOAK_SECONDS * 1000
      await Promise.all(
        Array.from({ length: CONCURRENT }, async () => {
          while (performance.now() < until) {
            await visit(relay, tokens, visits++)
            peakRooms = Math.max(peakRooms, relay.stats().rooms)
          }
        }),
      )
      expect(visits).toBeGreaterThan(SOAK_SECONDS * 20)
      expect(peakRooms).toBeGreaterThan(10)

      await expect.poll(() => relay.stats()).toEqual({ rooms: 0, connections: 0 })
      // Scraped in process: an HTTP client would leave its own keep-alive socket and timer.
      const text = await relay.metrics.metrics()
      expect(text).toContain('sightline_relay_awareness_states 0')
      expect(await resourcesSettled(baseResources, 10_000)).toEqual(baseResources)
      const heap = await collect()
      const rss = process.memoryUsage().rss
      const mb = (b: number) => Math.round(b / 1e5) / 10
      console.info(
        `soak: ${visits} visits, peak ${peakRooms} rooms; heap ${mb(baseHeap)} -> ${mb(heap)} MB, rss ${mb(baseRss)} -> ${mb(rss)} MB`,
      )
      // A leaked room (Y.Doc, awareness table) or connection per visit would be megabytes.
      expect(heap - baseHeap).toBeLessThan(8e6)
      // RSS does not shrink eagerly (V8 keeps freed pages); it must not grow without bound.
      expect(rss - baseRss).toBeLessThan(96e6)
    },
    (SOAK_SECONDS + 90) * 1000,
  )
})
