/**
 * Cluster test fixtures: a real `redis-server` on a free loopback port with persistence off,
 * and relay nodes as real CLI processes joined through it. Everything is stopped when the
 * test finishes. `redis-server` comes from Debian's package (.ci/run installs it).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { expect, onTestFinished } from 'vitest'
import { CLI, TSX } from './cli-process.js'
import { TEST_SECRET } from './fixtures.js'

/** Fails the test with a clear message when redis-server is not installed. */
export function requireRedis(): void {
  const found = spawnSync('redis-server', ['--version'], { stdio: 'ignore' })
  if (found.error !== undefined || found.status !== 0) {
    throw new Error(
      'redis-server is not installed: the cluster tests need it (apt-get install -y redis-server)',
    )
  }
}

export async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

export interface RedisServer {
  readonly port: number
  readonly url: string
  /** kill -9, and wait for the exit. */
  kill(): Promise<void>
  /** Starts it again on the same port (after `kill`). */
  start(): Promise<void>
}

/** A redis-server on a free loopback port, no persistence; stopped after the test. */
export async function startRedis(): Promise<RedisServer> {
  requireRedis()
  const port = await freePort()
  let child: ChildProcess | null = null
  const start = async () => {
    const c = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    child = c
    let out = ''
    c.stdout?.on('data', (d: Buffer) => (out += d.toString()))
    await expect.poll(() => out, { timeout: 10_000 }).toContain('Ready to accept connections')
  }
  const kill = async () => {
    const c = child
    if (c === null || c.exitCode !== null || c.signalCode !== null) return
    const exited = once(c, 'exit')
    c.kill('SIGKILL')
    await exited
  }
  await start()
  onTestFinished(kill)
  return { port, url: `redis://127.0.0.1:${port}`, kill, start }
}

export interface RelayNode {
  readonly id: string
  readonly port: number
  readonly url: string
  readonly httpUrl: string
  readonly child: ChildProcess
  output(): string
  /** Sends `signal` and waits for the exit. */
  stop(signal: NodeJS.Signals): Promise<void>
}

/** Node intervals for the cluster tests: the defaults' node timeout, shorter liveness pings. */
export const CLUSTER_ENV: Readonly<Record<string, string>> = Object.freeze({
  SIGHTLINE_NODE_TIMEOUT_MS: '3000',
  SIGHTLINE_LOG_LEVEL: 'info',
})

/** A relay node (the real CLI on source) joined to `redisUrl`; killed after the test. */
export async function startNode(
  redisUrl: string,
  id: string,
  env: Record<string, string> = {},
): Promise<RelayNode> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--conditions=source', '--import', TSX, CLI], {
    env: {
      PATH: process.env['PATH'] ?? '',
      SIGHTLINE_JWT_SECRET: TEST_SECRET,
      PORT: String(port),
      SIGHTLINE_REDIS_URL: redisUrl,
      SIGHTLINE_NODE_ID: id,
      ...CLUSTER_ENV,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()))
  const exited = once(child, 'exit')
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  const httpUrl = `http://127.0.0.1:${port}`
  // Ready: listening, and the bus connected (/readyz says so in cluster mode).
  await expect
    .poll(
      async () => {
        try {
          return (await fetch(`${httpUrl}/readyz`)).status
        } catch {
          return 0
        }
      },
      { timeout: 20_000, interval: 50 },
    )
    .toBe(200)
  return {
    id,
    port,
    url: `ws://127.0.0.1:${port}`,
    httpUrl,
    child,
    output: () => output,
    async stop(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill(signal)
      await exited
    },
  }
}
