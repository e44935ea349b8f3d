/**
 * A real redis-server for cluster e2e tests: a free loopback port, persistence off, stopped by
 * the caller. `redis-server` comes from Debian's package (.ci/run installs it).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { freePort } from './relay-process.js'

export interface RedisProcess {
  readonly url: string
  stop(): Promise<void>
}

export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort()
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  await new Promise<void>((resolve, reject) => {
    let out = ''
    child.once('error', (error) =>
      reject(new Error(`redis-server could not start (apt-get install -y redis-server): ${error}`)),
    )
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('Ready to accept connections')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)))
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGKILL')
      await exited
    },
  }
}
