/**
 * A throwaway Redis for the cluster benchmarks: `redis-server` from the PATH, on a free
 * loopback port, with no persistence (no RDB snapshots, no AOF), killed when done. The relay
 * nodes use it for pub/sub only, so nothing it holds outlives the run.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { freePort } from './servers.js'

export interface RedisProcess {
  readonly url: string
  readonly port: number
  /** The redis-server process (spawned directly, so its CPU and RSS are its own). */
  pid(): number
  /** SIGKILL, and waits for the exit (nothing is persisted, so nothing is lost). */
  stop(): Promise<void>
}

/** Starts redis-server and resolves once it accepts connections (throws after `timeoutMs`). */
export async function startRedis(timeoutMs = 10_000): Promise<RedisProcess> {
  const port = await freePort()
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  const append = (d: Buffer) => {
    out = (out + d.toString()).slice(-4000)
  }
  child.stdout?.on('data', append)
  child.stderr?.on('data', append)
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, 'exit')
    child.kill('SIGKILL')
    await exited
  }
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(new Error(`redis-server did not start: ${error.message}`)),
    )
    child.once('exit', (code, signal) =>
      reject(new Error(`redis-server exited during start (${code ?? signal}):\n${out}`)),
    )
  })
  failed.catch(() => {})
  const deadline = performance.now() + timeoutMs
  const ready = (async () => {
    while (!out.includes('Ready to accept connections')) {
      if (performance.now() > deadline) throw new Error(`redis-server not ready in ${timeoutMs} ms`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  })()
  try {
    await Promise.race([ready, failed])
  } catch (error) {
    await stop()
    throw error
  }
  return { url: `redis://127.0.0.1:${port}`, port, pid: () => child.pid ?? 0, stop }
}
