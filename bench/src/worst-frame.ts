/**
 * `pnpm bench:worst-frame`: how much relay work the most expensive inbound frames cost per
 * byte. The relay runs in its own process (the built CLI, or SIGHTLINE_BENCH_RELAY_CLI);
 * a bystander in another room measures how long the relay's event loop is held: it sends a
 * heartbeat right behind each hostile frame and times the answer. What the relay spent on
 * the frame is that round trip less the quiet round trip; divided by the frame's bytes it is
 * the work one inbound byte buys. Loopback only, a bounded number of frames, stops by itself.
 *
 *   --out <file>   also write the figures as JSON
 */
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { encodeAwarenessFrame, HEARTBEAT_FRAME } from '@sightline/protocol'
import { mintToken } from '@sightline/testkit'
import WebSocket from 'ws'
import {
  conflictingInsertsFrame,
  pendingUpdateFrame,
  step1Frame,
  subdocumentsFrame,
} from '../../packages/relay/test/doc-frames.js'
import { buildRelay, createServerProcess } from './servers.js'
import { relayEnvironment } from './session.js'

const { values } = parseArgs({ options: { out: { type: 'string' } } })

interface Figure {
  readonly attack: string
  readonly frameBytes: number
  readonly frames: number
  /** Longest event-loop hold by one frame, beyond a quiet round trip (ms). */
  readonly holdMs: number
  readonly nsPerByte: number
  /** How the relay answered the attacker: its close code, or "open". */
  readonly attacker: string
}

const secret = randomBytes(32).toString('hex')
await buildRelay()
const server = await createServerProcess({
  kind: 'sightline',
  env: { ...relayEnvironment(secret), SIGHTLINE_MESSAGES_PER_SECOND: '1000' },
})

async function token(sub: string, rooms: string[]): Promise<string> {
  return mintToken({ sub, name: sub, rooms, expiresIn: 600, secret })
}

interface Socket {
  readonly ws: WebSocket
  closed: number | null
  next(): Promise<Uint8Array>
}

async function connect(room: string, sub: string): Promise<Socket> {
  const ws = new WebSocket(`${server.url}/${room}?token=${await token(sub, [room])}`)
  ws.binaryType = 'nodebuffer'
  const queue: Uint8Array[] = []
  let wake: (() => void) | null = null
  const socket: Socket = {
    ws,
    closed: null,
    async next() {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r))
      return queue.shift() as Uint8Array
    },
  }
  ws.on('message', (data: Buffer) => {
    queue.push(new Uint8Array(data))
    wake?.()
  })
  ws.on('close', (code) => {
    socket.closed = code
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  return socket
}

/** Round trip of one heartbeat on `probe` (ms), skipping non-heartbeat frames. */
async function heartbeatRtt(probe: Socket, before?: () => void): Promise<number> {
  const start = performance.now()
  before?.()
  probe.ws.send(HEARTBEAT_FRAME)
  for (;;) {
    const frame = await probe.next()
    if (frame.byteLength === HEARTBEAT_FRAME.byteLength) return performance.now() - start
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? 0
}

const probe = await connect('mailbox/900/conversation/1', 'probe')
probe.ws.send(
  encodeAwarenessFrame([
    {
      clientId: 1,
      clock: 1,
      json: JSON.stringify({
        user: { id: 'probe', name: 'probe' },
        activity: 'viewing',
        away: false,
        since: Date.now(),
      }),
    },
  ]),
)
const quiet: number[] = []
for (let i = 0; i < 50; i++) quiet.push(await heartbeatRtt(probe))
const quietMs = median(quiet)

async function measure(
  attack: string,
  frames: readonly Uint8Array[],
  prepare?: (attacker: Socket) => Promise<void>,
): Promise<Figure> {
  const room = `mailbox/901/conversation/${attack.replace(/[^a-z0-9]/g, '')}`
  const attacker = await connect(room, `attacker-${attack}`)
  await prepare?.(attacker)
  const holds: number[] = []
  for (const frame of frames) {
    if (attacker.closed !== null || attacker.ws.readyState !== WebSocket.OPEN) break
    const rtt = await heartbeatRtt(probe, () => attacker.ws.send(frame))
    holds.push(Math.max(0, rtt - quietMs))
  }
  await new Promise((r) => setTimeout(r, 200))
  const frameBytes = frames[0]?.byteLength ?? 0
  const holdMs = holds.length === 0 ? 0 : Math.max(...holds)
  const figure: Figure = {
    attack,
    frameBytes,
    frames: holds.length,
    holdMs: Math.round(holdMs * 1000) / 1000,
    nsPerByte: Math.round((holdMs * 1e6) / Math.max(1, frameBytes)),
    attacker: attacker.closed === null ? 'open' : String(attacker.closed),
  }
  attacker.ws.terminate()
  process.stderr.write(`worst-frame: ${JSON.stringify(figure)}\n`)
  return figure
}

const figures: Figure[] = []
// The quadratic conflict: three frames of 5,000 clients each (distinct clients per frame).
figures.push(
  await measure('conflicting-inserts', [
    conflictingInsertsFrame(5000, 1),
    conflictingInsertsFrame(5000, 10_001),
    conflictingInsertsFrame(5000, 20_001),
  ]),
)
// Sub-documents: each entry with a guid becomes a Y.Doc on a relay that integrates updates.
figures.push(await measure('subdocuments', [subdocumentsFrame(1200)]))
// Pending updates (never integrable), then 4-byte sync step 1 frames that make the relay
// encode its document with everything pending merged in.
figures.push(
  await measure(
    'step1-after-pending',
    Array.from({ length: 10 }, () => step1Frame()),
    async (a) => {
      for (let i = 0; i < 5; i++) {
        a.ws.send(pendingUpdateFrame(1_000_000 + i, 4000))
        await heartbeatRtt(probe)
      }
    },
  ),
)
// The worst of the ordinary path, for scale: a maximal awareness frame of small entries.
const entries = Array.from({ length: 4000 }, (_, i) => ({ clientId: i + 1, clock: 1, json: '{}' }))
figures.push(await measure('awareness-many-entries', [encodeAwarenessFrame(entries)]))
// A state vector naming many clients in one 4-byte-answerable question.
const sv = (() => {
  const doc = new Map<number, number>()
  for (let i = 0; i < 6000; i++) doc.set(i + 1, i)
  return encodeStateVectorFromMap(doc)
})()
figures.push(
  await measure(
    'step1-large-state-vector',
    Array.from({ length: 5 }, () => step1Frame(sv)),
  ),
)

await server.stop()
const worst = figures.reduce((a, b) => (b.nsPerByte > a.nsPerByte ? b : a))
const table = [
  '| attack | frame bytes | frames | relay hold per frame (ms) | ns per inbound byte | attacker |',
  '|---|---|---|---|---|---|',
  ...figures.map(
    (f) =>
      `| ${f.attack} | ${f.frameBytes} | ${f.frames} | ${f.holdMs} | ${f.nsPerByte} | ${f.attacker} |`,
  ),
].join('\n')
process.stdout.write(`quiet heartbeat round trip: ${quietMs.toFixed(3)} ms\n${table}\n`)
process.stdout.write(`worst: ${worst.attack}, ${worst.nsPerByte} ns per inbound byte\n`)
if (values.out) {
  writeFileSync(values.out, `${JSON.stringify({ quietMs, figures }, null, 2)}\n`)
}

/** A Yjs state vector (v1) from a map of client -> clock. */
function encodeStateVectorFromMap(map: Map<number, number>): Uint8Array {
  const out: number[] = []
  const varUint = (n: number) => {
    while (n > 0x7f) {
      out.push((n & 0x7f) | 0x80)
      n = Math.floor(n / 128)
    }
    out.push(n)
  }
  varUint(map.size)
  for (const [client, clock] of map) {
    varUint(client)
    varUint(clock)
  }
  return new Uint8Array(out)
}
