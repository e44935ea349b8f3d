/**
 * Measures how fresh state changes stay for bystanders: freshness-process.ts in a process of
 * its own (two agents in a quiet room), its samples collected here.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { expect } from '@playwright/test'

const SCRIPT = fileURLToPath(new URL('./freshness-process.ts', import.meta.url))
const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

export interface FreshnessProbe {
  /** Starts the changes (one per period) and their measurement. */
  start(): void
  /** Latency (ms) of each change, from `setActivity` on one client to the other seeing it. */
  readonly latencies: number[]
  /** Changes the other client had not seen by the next one (in `latencies` with their wait). */
  misses(): number
  /** The probe process's own event loop delay (p90, ms): what the figures include. */
  loopDelayP90Ms(): number
  stop(): Promise<void>
}

/** Two agents `<prefix>-writer` and `<prefix>-reader` in `room`; resolves once they see each other. */
export async function startFreshnessProbe(
  relayUrl: string,
  room: string,
  prefix: string,
  periodMs = 1_000,
): Promise<FreshnessProbe> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', SCRIPT],
    {
      cwd: repoRoot,
      env: {
        PATH: process.env['PATH'] ?? '',
        SIGHTLINE_FRESHNESS: JSON.stringify({ relayUrl, room, prefix, periodMs }),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const latencies: number[] = []
  let misses = 0
  let ready = false
  let loopP90 = Number.NaN
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let message: { ready?: boolean; latency?: number; missed?: boolean; loopP90?: number }
    try {
      message = JSON.parse(line)
    } catch {
      return
    }
    if (message.ready) ready = true
    if (typeof message.latency === 'number') latencies.push(message.latency)
    if (message.missed) misses++
    if (typeof message.loopP90 === 'number') loopP90 = message.loopP90
  })
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.stdin?.end()
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(killer)
  }
  try {
    await expect
      .poll(() => ready, { message: `${prefix}: the reader sees the writer`, timeout: 30_000 })
      .toBe(true)
  } catch (error) {
    await stop()
    throw error
  }
  return {
    start: () => void child.stdin?.write('start\n'),
    latencies,
    misses: () => misses,
    loopDelayP90Ms: () => loopP90,
    stop,
  }
}
