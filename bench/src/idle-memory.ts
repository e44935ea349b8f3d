/**
 * Idle memory per connection: each server in its own process (servers.ts, with the after-GC
 * probe), N idle WebSocket connections (default 5,000) in rooms of 5 from this process, and
 * the server's RSS after GC with them less its RSS after GC before any: divided by N, what
 * one idle connection costs. Servers:
 *
 * - `sightline`: the relay on its default socket layer, `ws` over Node's HTTP server;
 * - `sightline-uws`: the same relay with `SIGHTLINE_TRANSPORT=uws` (uWebSockets.js; servers.ts
 *   sets it for this kind);
 * - `reference`: `@y/websocket-server`, as servers.ts starts it.
 *
 * The relay runs on source through tsx unless SIGHTLINE_BENCH_RELAY_CLI names a built CLI:
 * tsx's own memory is the same before and after, so it cancels out of the difference.
 *
 *   npx tsx --conditions=source bench/src/idle-memory.ts [--connections 5000] [--out file]
 */
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { mintToken } from '@sightline/testkit'
import WebSocket from 'ws'
import { isSightline, type ServerKind } from './generator-protocol.js'

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '5000' },
    servers: { type: 'string', default: 'sightline,sightline-uws,reference' },
    out: { type: 'string' },
  },
})
const N = Number(values.connections)
const ROOM_SIZE = 5
/** Connections opened at once. */
const BATCH = 250

// Read by servers.ts when it is loaded: the relay on source unless told otherwise.
process.env.SIGHTLINE_BENCH_RELAY_CLI ??= join(
  import.meta.dirname,
  '..',
  '..',
  'packages',
  'relay',
  'src',
  'cli.ts',
)
const { createServerProcess } = await import('./servers.js')
const { relayEnvironment } = await import('./session.js')

type Label = Extract<ServerKind, 'sightline' | 'sightline-uws' | 'reference'>

export interface IdleMemoryFigure {
  readonly server: Label
  readonly connections: number
  /** VmRSS after GC with the connections, less before any, per connection (bytes). */
  readonly rssPerConnection: number
  /** The same for V8's used heap (bytes). */
  readonly heapPerConnection: number
  readonly baselineRssBytes: number
  readonly rssBytes: number
}

async function measure(label: Label): Promise<IdleMemoryFigure> {
  const secret = randomBytes(32).toString('hex')
  const server = await createServerProcess({
    kind: label,
    env: isSightline(label) ? relayEnvironment(secret) : {},
  })
  const sockets: WebSocket[] = []
  try {
    const before = await server.memoryAfterGc()
    for (let from = 0; from < N; from += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, N - from) }, (_, i) => from + i)
      sockets.push(...(await Promise.all(batch.map((i) => open(server.url, label, i, secret)))))
    }
    // Whatever the join sent has arrived and been handled.
    await new Promise((resolve) => setTimeout(resolve, 2000))
    const after = await server.memoryAfterGc()
    const open_ = sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length
    if (open_ !== N) throw new Error(`${label}: ${N - open_} of ${N} connections closed`)
    return {
      server: label,
      connections: N,
      rssPerConnection: Math.round((after.vmRssBytes - before.vmRssBytes) / N),
      heapPerConnection: Math.round((after.heapUsed - before.heapUsed) / N),
      baselineRssBytes: before.vmRssBytes,
      rssBytes: after.vmRssBytes,
    }
  } finally {
    for (const ws of sockets) ws.terminate()
    await server.stop()
  }
}

/** One idle tab: its own agent, in room `i / 5`; resolves once open. */
async function open(url: string, label: Label, i: number, secret: string): Promise<WebSocket> {
  const room = `idle-${Math.floor(i / ROOM_SIZE)}`
  const sub = `agent-${i}`
  const target =
    label === 'reference'
      ? `${url}/${room}`
      : `${url}/${room}?token=${await mintToken({ sub, name: sub, rooms: [room], expiresIn: 3600, secret })}`
  const ws = new WebSocket(target)
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
    ws.once('close', (code) => reject(new Error(`${label}: closed with ${code} while opening`)))
  })
  ws.on('error', () => {})
  return ws
}

const figures: IdleMemoryFigure[] = []
for (const label of values.servers.split(',') as Label[]) {
  const figure = await measure(label)
  figures.push(figure)
  process.stdout.write(
    `${label.padEnd(14)} ${N} idle: ${(figure.rssPerConnection / 1024).toFixed(2)} KiB RSS/conn, ` +
      `${(figure.heapPerConnection / 1024).toFixed(2)} KiB heap/conn ` +
      `(RSS ${(figure.baselineRssBytes / 2 ** 20).toFixed(1)} -> ${(figure.rssBytes / 2 ** 20).toFixed(1)} MiB)\n`,
  )
}
const reference = figures.find((f) => f.server === 'reference')
if (reference !== undefined) {
  for (const f of figures) {
    if (f !== reference) {
      process.stdout.write(
        `${f.server}: ${(f.rssPerConnection / reference.rssPerConnection).toFixed(2)}x the reference per connection\n`,
      )
    }
  }
}
if (values.out !== undefined) writeFileSync(values.out, `${JSON.stringify(figures, null, 2)}\n`)
