/**
 * A `sightline-relay` process started however an operator would start it (the installed bin,
 * `node dist/cli.js` of a pruned install, or the source through tsx), waited for until it logs
 * that it listens. `stop()` sends SIGTERM and resolves with the exit code; the caller registers
 * it as teardown where it starts the relay.
 */
import { type ChildProcess, spawn } from 'node:child_process'

export interface RelayCli {
  /** `ws://host:port` as the relay logged it. */
  readonly url: string
  /** `http://host:port` of /healthz, /readyz (and /metrics unless on its own port). */
  readonly httpUrl: string
  /** `http://host:port` of /metrics. */
  readonly metricsUrl: string
  readonly child: ChildProcess
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string
  /** SIGTERM, then the exit code (SIGKILL after 10 s). */
  stop(): Promise<number | null>
}

export interface StartRelayOptions {
  readonly command: string
  readonly args: readonly string[]
  readonly cwd: string
  /** Added to a minimal environment (PATH, HOME); PORT defaults to 0. */
  readonly env: Record<string, string>
  readonly timeoutMs?: number
}

interface ListeningLine {
  readonly url: string
  readonly health: string
  readonly metrics: string
}

/** Starts the relay and resolves once its `relay listening on` line has been logged. */
export async function startRelayCli(options: StartRelayOptions): Promise<RelayCli> {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/tmp',
      PORT: '0',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  let output = ''
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()))
  const timeoutMs = options.timeoutMs ?? 30_000
  const listening = await new Promise<ListeningLine>((resolve, reject) => {
    const fail = (message: string) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`${message}\n--- relay output ---\n${output}`))
    }
    const timer = setTimeout(() => fail(`relay did not listen within ${timeoutMs} ms`), timeoutMs)
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString()
      const line = output.split('\n').find((l) => l.includes('relay listening on'))
      if (line === undefined) return
      clearTimeout(timer)
      resolve(JSON.parse(line) as ListeningLine)
    })
    child.once('exit', (code) => fail(`relay exited with ${code} before listening`))
  })
  return {
    url: listening.url,
    httpUrl: listening.health.replace(/\/healthz$/, ''),
    metricsUrl: listening.metrics.replace(/\/metrics$/, ''),
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      const code = await exited
      clearTimeout(timer)
      return code
    },
  }
}
