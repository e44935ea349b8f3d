/**
 * The relay CLI in its own OS process (from source, default intervals and budgets), whose log
 * lines a long test reads as they come: each JSON line is handed to `onLine` and then dropped,
 * so a relay that logs for ten minutes under a flood costs the test no memory and no
 * re-scanning. Also reads the relay's Prometheus `/metrics`.
 *
 * (support/relay-process.ts keeps a relay's whole output, which suits the short restart tests.)
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/**
 * The checkout whose relay runs: this one, or another (an older commit with its dependencies
 * installed) set in SIGHTLINE_E2E_RELAY_ROOT, to watch a test fail against the relay before a
 * fix.
 */
const relayRoot =
  process.env['SIGHTLINE_E2E_RELAY_ROOT'] ?? fileURLToPath(new URL('../..', import.meta.url))
const CLI = 'packages/relay/src/cli.ts'

/** One log line of the relay (pino JSON): the fields tests look at, and the rest. */
export interface RelayLogLine {
  readonly msg?: string
  readonly sub?: string
  readonly room?: string
  readonly reason?: string
  readonly code?: number
  readonly [field: string]: unknown
}

export interface WatchedRelay {
  /** `ws://127.0.0.1:<port>` */
  readonly url: string
  readonly child: ChildProcess
  /** The relay's `/metrics` as `name{labels} -> value` (one sample per line). */
  metrics(): Promise<Map<string, number>>
  /** Where `/metrics` is served. */
  readonly metricsUrl: string
  /** CPU time the relay process used so far (user + system), seconds. */
  cpuSeconds(): Promise<number>
  /** SIGTERM, then SIGKILL after 5 s; resolves once it exited. */
  stop(): Promise<void>
}

/** Starts `sightline-relay` on a free loopback port with `env` and waits until it listens. */
export async function startWatchedRelay(
  env: Record<string, string>,
  onLine: (line: RelayLogLine) => void,
): Promise<WatchedRelay> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CLI], {
    cwd: relayRoot,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      SIGHTLINE_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // Never outlive the test process (a worker killed after a timeout skips every teardown).
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.off('exit', killOnExit)
      resolve()
    }),
  )
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 20_000) stderr += d.toString()
  })
  const lines = createInterface({ input: child.stdout! })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('relay did not start within 30 s')), 30_000)
    let listening = false
    const fail = (error: Error) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`${error.message}\n${stderr}`))
    }
    lines.on('line', (text) => {
      let line: RelayLogLine
      try {
        line = JSON.parse(text) as RelayLogLine
      } catch {
        return
      }
      if (
        !listening &&
        line.msg?.startsWith('relay listening on') &&
        typeof line['url'] === 'string'
      ) {
        listening = true
        clearTimeout(timer)
        resolve(line['url'])
      }
      onLine(line)
    })
    child.once('exit', (code) => {
      if (!listening) fail(new Error(`relay exited with ${code}`))
    })
  })
  const metricsUrl = `${url.replace(/^ws/, 'http')}/metrics`
  return {
    url,
    child,
    metricsUrl,
    cpuSeconds: () => cpuSecondsOf(child.pid),
    async metrics() {
      const res = await fetch(metricsUrl)
      const samples = new Map<string, number>()
      for (const line of (await res.text()).split('\n')) {
        if (line === '' || line.startsWith('#')) continue
        const space = line.lastIndexOf(' ')
        samples.set(line.slice(0, space), Number(line.slice(space + 1)))
      }
      return samples
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(killer)
    },
  }
}

/** CPU time (user + system, seconds) process `pid` used so far, from /proc (Linux). */
export async function cpuSecondsOf(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  // Fields after the command (which may hold spaces) start at its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second).
  return (Number(fields[11]) + Number(fields[12])) / 100
}
