/**
 * The relay CLI as its own OS process (from source through tsx), so a test can stop it the
 * way production stops it: SIGTERM (clients get 1012) or kill -9 (sockets just die).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { type AddressInfo, createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const CLI = 'packages/relay/src/cli.ts'

export interface RelayProcess {
  readonly url: string
  readonly child: ChildProcess
  /** When the CLI logged that it listens (ms, `performance.now()`). */
  readonly readyAt: number
  /** Stops it with `signal` and resolves with the exit code once it exited. */
  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<number | null>
}

/** A port that was free a moment ago, for a relay that must come back on the same port. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Starts `sightline-relay` with `env` (PATH is passed through) and waits until it listens. */
export async function startRelayProcess(env: Record<string, string>): Promise<RelayProcess> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CLI], {
    cwd: repoRoot,
    env: { PATH: process.env['PATH'] ?? '', SIGHTLINE_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  let output = ''
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('relay did not start within 30 s')), 30_000)
    const fail = (error: Error) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`${error.message}\n${output}`))
    }
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString()
      const line = output.split('\n').find((l) => l.includes('relay listening on'))
      if (line !== undefined) {
        clearTimeout(timer)
        resolve((JSON.parse(line) as { url: string }).url)
      }
    })
    child.once('exit', (code) => fail(new Error(`relay exited with ${code}`)))
  })
  const readyAt = performance.now()
  return {
    url,
    child,
    readyAt,
    stop(signal) {
      child.kill(signal)
      return exited
    },
  }
}
