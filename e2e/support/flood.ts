/**
 * Starts and stops the flood of flood-process.ts (one agent, many sockets, valid states at the
 * relay's budgets) in a process of its own, so the test's own clients, and the latencies they
 * measure, do not share an event loop with it. Its totals arrive once a second.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { expect } from '@playwright/test'
import { PresenceLimits } from '@sightline/protocol'
import { agentToken } from './node-agent.js'
import { cpuSecondsOf } from './watched-relay.js'

const SCRIPT = fileURLToPath(new URL('./flood-process.ts', import.meta.url))
const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

export interface FloodConfig {
  readonly relayUrl: string
  readonly room: string
  readonly token: string
  readonly subject: string
  readonly name: string
  readonly avatar: string
  readonly sockets: number
  /** Per socket. */
  readonly framesPerSecond: number
  readonly reconnectPauseMs: number
}

export interface FloodStats {
  /** Sockets open now. */
  open: number
  /** Connection attempts, the first ones included. */
  connects: number
  framesSent: number
  bytesSent: number
  /** Closes seen, by code (1006: dropped or refused without a close frame). */
  closes: Record<number, number>
}

export interface FloodOptions {
  readonly relayUrl: string
  readonly room: string
  /** The flooding agent's subject. Default 'flooder'. */
  readonly subject?: string
  /** Sockets (the relay's SIGHTLINE_MAX_CONNECTIONS_PER_SUBJECT). */
  readonly sockets: number
  /** Size of each state's JSON, bytes (padded through the name and avatar claims). */
  readonly stateBytes: number
  /** The relay's per-connection budgets: messages and bytes per second. */
  readonly messagesPerSecond: number
  readonly bytesPerSecond: number
  /** Pause before a closed socket reconnects, ms. Default 1000. */
  readonly reconnectPauseMs?: number
}

export interface Flood {
  readonly config: FloodConfig
  /** The latest totals (once a second). */
  stats(): FloodStats
  /** CPU time the flood process used so far, seconds. */
  cpuSeconds(): Promise<number>
  /** Stops the process (its sockets drop); resolves with the final totals. */
  stop(): Promise<FloodStats>
}

/**
 * Name and avatar claims that make the state's JSON `stateBytes` long (UTF-8), each within
 * the protocol's limits (in characters): a name of 3-byte characters, the rest in the avatar.
 */
export function paddedClaims(
  subject: string,
  stateBytes: number,
): { name: string; avatar: string } {
  const name = `Flood ${'\u20ac'.repeat(Math.min(PresenceLimits.nameLength - 6, 150))}`
  const stem = 'http://127.0.0.1:9/avatar/'
  const bare = JSON.stringify({
    user: { id: subject, name, avatar: `${stem}.png` },
    activity: 'replying',
    away: false,
    since: Date.now(),
  })
  const room = PresenceLimits.avatarLength - stem.length - 4
  const pad = Math.min(room, Math.max(0, stateBytes - Buffer.byteLength(bare)))
  return { name, avatar: `${stem}${'a'.repeat(pad)}.png` }
}

/** Starts the flood and resolves once its first socket is open. */
export async function startFlood(options: FloodOptions): Promise<Flood> {
  const subject = options.subject ?? 'flooder'
  const claims = paddedClaims(subject, options.stateBytes)
  const token = agentToken(subject, claims)
  // One awareness frame carries the state plus ~12 bytes of framing.
  const frameBytes = options.stateBytes + 12
  const config: FloodConfig = {
    relayUrl: options.relayUrl,
    room: options.room,
    token,
    subject,
    ...claims,
    sockets: options.sockets,
    // Just under both per-connection budgets: the most a socket may send without a 4429.
    framesPerSecond:
      0.95 * Math.min(options.messagesPerSecond, options.bytesPerSecond / frameBytes),
    reconnectPauseMs: options.reconnectPauseMs ?? 1_000,
  }
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', SCRIPT],
    {
      cwd: repoRoot,
      env: { PATH: process.env['PATH'] ?? '', SIGHTLINE_FLOOD: JSON.stringify(config) },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let latest: FloodStats = { open: 0, connects: 0, framesSent: 0, bytesSent: 0, closes: {} }
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      latest = JSON.parse(line) as FloodStats
    } catch {
      // not a totals line
    }
  })
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(killer)
    }
    return latest
  }
  try {
    await expect
      .poll(() => latest.open, { message: 'a flood socket opens', timeout: 30_000 })
      .toBeGreaterThan(0)
  } catch (error) {
    await stop()
    throw error
  }
  return { config, stats: () => latest, cpuSeconds: () => cpuSecondsOf(child.pid), stop }
}
