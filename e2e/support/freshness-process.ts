/**
 * Bystanders, in a process of their own (started by freshness.ts), so what they measure is the
 * relay's doing and not the test process's: two agents in a quiet room; once the parent writes
 * a line on stdin, every `periodMs` the writer flips its activity and the time until the
 * reader's list shows it is printed (`{"latency": ms}`; a change not seen by the next one is
 * printed with its wait so far and `"missed": true`). Prints `{"ready": true}` once the reader
 * sees the writer, and this process's event loop delay with each sample. Exits when stdin
 * closes.
 *
 * Config: the JSON in SIGHTLINE_FRESHNESS: { relayUrl, room, prefix, periodMs }.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { Activity } from '@sightline/protocol'
import { joinAgent } from './node-agent.js'

const config = JSON.parse(process.env['SIGHTLINE_FRESHNESS'] ?? '') as {
  relayUrl: string
  room: string
  prefix: string
  periodMs: number
}
const print = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`)

const writerId = `${config.prefix}-writer`
const writer = joinAgent(config.relayUrl, config.room, writerId)
const reader = joinAgent(config.relayUrl, config.room, `${config.prefix}-reader`)
const activityOf = () => reader.others.find((v) => v.user.id === writerId)?.activity
const loop = monitorEventLoopDelay({ resolution: 10 })
let pending: { activity: Activity; at: number } | null = null
let timer: ReturnType<typeof setInterval> | undefined

const loopDelayMs = () => Math.round(loop.percentile(90) / 1e4) / 100

reader.subscribe(() => {
  const activity = activityOf()
  if (pending === null && activity === 'viewing' && timer === undefined) print({ ready: true })
  if (pending !== null && activity === pending.activity) {
    print({ latency: performance.now() - pending.at, loopP90: loopDelayMs() })
    pending = null
  }
})

function tick(): void {
  if (pending !== null) {
    print({ latency: performance.now() - pending.at, missed: true, loopP90: loopDelayMs() })
  }
  const activity: Activity = writer.activity === 'viewing' ? 'replying' : 'viewing'
  pending = { activity, at: performance.now() }
  writer.setActivity(activity)
}

function stop(): void {
  if (timer !== undefined) clearInterval(timer)
  writer.destroy()
  reader.destroy()
  setTimeout(() => process.exit(0), 100)
}

process.stdin.setEncoding('utf8')
process.stdin.on('data', () => {
  if (timer !== undefined) return
  loop.enable()
  timer = setInterval(tick, config.periodMs)
})
process.stdin.on('end', stop)
process.stdin.on('close', stop)
process.once('SIGTERM', stop)
