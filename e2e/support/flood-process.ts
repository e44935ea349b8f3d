/**
 * The flood, in its own process (started by flood.ts): one agent's token, `sockets` raw
 * WebSockets in one room, each writing its own client ID's state, a valid one for that token
 * (its `user` is the token's, padded to ~`stateBytes` inside the allowed fields by the long
 * name and avatar claims) and a different one every time, as fast as the relay's
 * per-connection budgets allow. A socket the relay closes (4429 once the subject is over its
 * budget, or anything else) reconnects after `reconnectPauseMs` with a little jitter, so the
 * pressure stays on for as long as the process runs. The sockets read (and drop) whatever the
 * relay sends them, as a client that wants to stay connected would.
 *
 * Config: the JSON in SIGHTLINE_FLOOD (see `FloodConfig` in flood.ts). Prints one JSON line of
 * totals per second on stdout; exits on SIGTERM or when its stdin closes (the test is gone).
 */
import { randomInt } from 'node:crypto'
import { encodeAwarenessFrame, tokenSubprotocols } from '@sightline/protocol'
import WebSocket from 'ws'
import type { FloodConfig, FloodStats } from './flood.js'

const config = JSON.parse(process.env['SIGHTLINE_FLOOD'] ?? '') as FloodConfig

const TICK_MS = 20

interface Slot {
  readonly clientId: number
  clock: number
  ws: WebSocket | null
  /** Frames this socket may send now (token bucket at `framesPerSecond`). */
  credit: number
  flip: boolean
}

const stats: FloodStats = {
  open: 0,
  connects: 0,
  framesSent: 0,
  bytesSent: 0,
  closes: {},
}
let stopping = false

const slots: Slot[] = Array.from({ length: config.sockets }, () => ({
  clientId: randomInt(1, 2 ** 30),
  clock: 0,
  ws: null,
  credit: 0,
  flip: false,
}))

function stateJson(slot: Slot): string {
  slot.flip = !slot.flip
  return JSON.stringify({
    user: { id: config.subject, name: config.name, avatar: config.avatar },
    activity: slot.flip ? 'replying' : 'viewing',
    away: !slot.flip,
    since: Date.now() - randomInt(0, 1000),
  })
}

/** Sockets that opened (a refused handshake closes one that never did). */
const wasOpen = new WeakSet<WebSocket>()

function connect(slot: Slot): void {
  if (stopping) return
  const ws = new WebSocket(`${config.relayUrl}/${config.room}`, tokenSubprotocols(config.token))
  slot.ws = ws
  stats.connects++
  ws.binaryType = 'nodebuffer'
  ws.on('open', () => {
    stats.open++
    slot.credit = 0
    wasOpen.add(ws)
  })
  ws.on('error', () => {})
  ws.on('close', (code) => {
    if (slot.ws === ws) slot.ws = null
    stats.closes[code] = (stats.closes[code] ?? 0) + 1
    if (wasOpen.has(ws)) stats.open--
    if (!stopping) setTimeout(() => connect(slot), config.reconnectPauseMs + randomInt(0, 250))
  })
}
function send(slot: Slot, ws: WebSocket): void {
  slot.clock++
  const frame = encodeAwarenessFrame([
    { clientId: slot.clientId, clock: slot.clock, json: stateJson(slot) },
  ])
  ws.send(frame)
  stats.framesSent++
  stats.bytesSent += frame.length
}

let last = performance.now()
const ticker = setInterval(() => {
  const now = performance.now()
  const dt = (now - last) / 1000
  last = now
  for (const slot of slots) {
    const ws = slot.ws
    if (ws === null || ws.readyState !== WebSocket.OPEN) continue
    // Never more than one tick's worth behind: a late tick does not turn into a burst.
    slot.credit = Math.min(
      slot.credit + config.framesPerSecond * dt,
      1 + config.framesPerSecond * 0.05,
    )
    while (slot.credit >= 1 && ws.readyState === WebSocket.OPEN) {
      slot.credit--
      send(slot, ws)
    }
  }
}, TICK_MS)

const reporter = setInterval(() => process.stdout.write(`${JSON.stringify(stats)}\n`), 1000)

function stop(): void {
  if (stopping) return
  stopping = true
  clearInterval(ticker)
  clearInterval(reporter)
  process.stdout.write(`${JSON.stringify(stats)}\n`)
  for (const slot of slots) slot.ws?.terminate()
  setTimeout(() => process.exit(0), 100)
}

process.once('SIGTERM', stop)
process.once('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.on('close', stop)
process.stdin.resume()

for (const slot of slots) connect(slot)
