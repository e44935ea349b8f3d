/**
 * `pnpm bench:cluster`: figures of cluster mode on this machine, for docs/scale-out.md. A real
 * redis-server and three built relay nodes (each its own process) on loopback; raw y-websocket
 * tabs with real tokens. Measures, all bounded in count and time:
 *
 * - cross-node latency of a state change (writer on node A, reader on node B) next to the
 *   same-node latency in the same run;
 * - bus bytes and messages published per state change;
 * - a late joiner on a third node: from its socket opening to holding every state of the room;
 * - node failure: from kill -9 of a node until the tabs on the other nodes no longer show its
 *   tabs, and from SIGTERM until they are gone.
 *
 *   --out <file>   also write the figures as JSON
 */
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import {
  conversationRoom,
  encodeAwarenessFrame,
  readAwarenessUpdate,
  readFrame,
} from '@sightline/protocol'
import { SignJWT } from 'jose'
import WebSocket from 'ws'
import { Histogram } from './histogram.js'
import { startRedis } from './redis.js'
import { buildRelay, createServerProcess, type ServerProcess } from './servers.js'
import { relayEnvironment } from './session.js'

const { values } = parseArgs({ options: { out: { type: 'string' } } })
const secret = randomBytes(32).toString('hex')
const log = (line: string) => process.stderr.write(`cluster-figures: ${line}\n`)

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

class Tab {
  readonly ws: WebSocket
  /** Live states by client ID (JSON). */
  readonly states = new Map<number, string>()
  onState: ((clientId: number, json: string) => void) | null = null
  constructor(url: string) {
    this.ws = new WebSocket(url)
    this.ws.binaryType = 'nodebuffer'
    this.ws.on('message', (data: Buffer) => {
      const frame = readFrame(new Uint8Array(data))
      if (frame.kind !== 'awareness') return
      for (const e of readAwarenessUpdate(frame.update)) {
        if (e.json === 'null') this.states.delete(e.clientId)
        else this.states.set(e.clientId, e.json)
        this.onState?.(e.clientId, e.json)
      }
    })
    this.ws.on('error', () => {})
  }
  static async open(node: ServerProcess, room: string, sub: string): Promise<Tab> {
    const token = await new SignJWT({ name: sub, rooms: [room] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(secret))
    const tab = new Tab(`${node.url}/${room}?token=${token}`)
    await once(tab.ws, 'open')
    return tab
  }
  set(clientId: number, clock: number, sub: string, mark = 0): void {
    const json = JSON.stringify({
      b: [mark, Math.round((performance.timeOrigin + performance.now()) * 1000)],
      user: { id: sub, name: sub },
      activity: clock % 2 === 0 ? 'replying' : 'viewing',
      away: false,
      since: Date.now(),
    })
    this.ws.send(encodeAwarenessFrame([{ clientId, clock, json }]))
  }
}

async function until(check: () => boolean, timeoutMs = 20_000): Promise<number> {
  const start = performance.now()
  while (!check()) {
    if (performance.now() - start > timeoutMs) throw new Error('timed out')
    await delay(2)
  }
  return performance.now() - start
}

async function busOut(node: ServerProcess): Promise<{ messages: number; bytes: number }> {
  const text = await (await fetch(`http://127.0.0.1:${node.port}/metrics`)).text()
  const read = (name: string) =>
    Number(new RegExp(`${name}\\{direction="out"\\} (\\d+)`).exec(text)?.[1] ?? 0)
  return {
    messages: read('sightline_relay_bus_messages_total'),
    bytes: read('sightline_relay_bus_bytes_total'),
  }
}

await buildRelay()
const redis = await startRedis()
const env = { ...relayEnvironment(secret), SIGHTLINE_REDIS_URL: redis.url }
const nodes = await Promise.all(
  ['a', 'b', 'c'].map((id) =>
    createServerProcess({ kind: 'sightline', env: { ...env, SIGHTLINE_NODE_ID: `node-${id}` } }),
  ),
)
const [a, b, c] = nodes as [ServerProcess, ServerProcess, ServerProcess]
// Let the nodes hear each other's heartbeats.
await delay(1500)

/** Latency of `changes` state changes from a writer to a reader (each on its node). */
async function latency(writerNode: ServerProcess, readerNode: ServerProcess, label: string) {
  const room = conversationRoom(1, `lat-${label}`)
  const writer = await Tab.open(writerNode, room, 'writer')
  const reader = await Tab.open(readerNode, room, 'reader')
  reader.set(2, 1, 'reader')
  const h = new Histogram()
  let seen = -1
  reader.onState = (id, json) => {
    if (id !== 1) return
    const [mark, sentUs] = (JSON.parse(json) as { b: [number, number] }).b
    if (mark <= seen) return
    seen = mark
    h.record(Math.round((performance.timeOrigin + performance.now()) * 1000) - sentUs)
  }
  writer.set(1, 1, 'writer', 0)
  await until(() => seen === 0)
  const before = await busOut(writerNode)
  const changes = 300
  for (let i = 1; i <= changes; i++) {
    writer.set(1, i + 1, 'writer', i)
    await until(() => seen === i)
    await delay(5)
  }
  const after = await busOut(writerNode)
  writer.ws.terminate()
  reader.ws.terminate()
  return {
    changes,
    ...h.summaryMs(),
    busMessagesPerChange: (after.messages - before.messages) / changes,
    busBytesPerChange: (after.bytes - before.bytes) / changes,
  }
}

const sameNode = await latency(a, a, 'same')
const crossNode = await latency(a, b, 'cross')
log(`same node ${JSON.stringify(sameNode)}`)
log(`cross node ${JSON.stringify(crossNode)}`)

// A room with 10 tabs on A and B; a late joiner on C.
const room = conversationRoom(2, 'late')
const early: Tab[] = []
for (let i = 0; i < 10; i++) {
  const tab = await Tab.open(i % 2 === 0 ? a : b, room, `agent${i}`)
  tab.set(100 + i, 1, `agent${i}`)
  early.push(tab)
}
await until(() => (early[0]?.states.size ?? 0) === 9)
const lateJoins: number[] = []
for (let i = 0; i < 10; i++) {
  const opened = performance.now()
  const late = await Tab.open(c, room, `late${i}`)
  await until(() => late.states.size === 10)
  lateJoins.push(performance.now() - opened)
  late.ws.terminate()
}
log(`late joiner ${lateJoins.map((x) => x.toFixed(1)).join(' ')}`)

// Node failure: 50 tabs on C in 10 rooms watched from A; kill -9 C, then SIGTERM of B.
async function failure(victim: ServerProcess, how: 'kill9' | 'sigterm') {
  const watchers: Tab[] = []
  for (let r = 0; r < 10; r++) {
    const name = conversationRoom(3, `${how}-${r}`)
    const watcher = await Tab.open(a, name, `watcher${r}`)
    watchers.push(watcher)
    for (let t = 0; t < 5; t++) {
      const tab = await Tab.open(victim, name, `v${r}-${t}`)
      tab.set(1000 + t, 1, `v${r}-${t}`)
    }
  }
  await until(() => watchers.every((w) => w.states.size === 5))
  const start = performance.now()
  if (how === 'kill9') await victim.kill9()
  else await victim.stop()
  const gone: number[] = []
  await Promise.all(
    watchers.map(async (w) => {
      await until(() => w.states.size === 0)
      gone.push(performance.now() - start)
    }),
  )
  for (const w of watchers) w.ws.terminate()
  return { tabs: 50, firstMs: Math.min(...gone), lastMs: Math.max(...gone) }
}
const killed = await failure(c, 'kill9')
log(`kill -9 ${JSON.stringify(killed)}`)
const terminated = await failure(b, 'sigterm')
log(`SIGTERM ${JSON.stringify(terminated)}`)

for (const t of early) t.ws.terminate()
await Promise.all([a.stop(), b.stop(), c.stop()])
await redis.stop()

const sorted = [...lateJoins].sort((x, y) => x - y)
const figures = {
  sameNode,
  crossNode,
  lateJoinMs: { p50: sorted[5], max: sorted[9] },
  nodeDownKill9: killed,
  nodeDownSigterm: terminated,
}
process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`)
if (values.out) writeFileSync(values.out, `${JSON.stringify(figures, null, 2)}\n`)
