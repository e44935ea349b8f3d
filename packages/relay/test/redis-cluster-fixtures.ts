/**
 * A real Redis Cluster on loopback for the sharded-bus tests: six `redis-server` processes
 * (three masters, one replica each) on free ports, persistence off, each in its own temporary
 * directory, joined by `redis-cli --cluster create`. A short cluster node timeout makes a
 * killed master's replica take over within seconds. Everything is killed and the directories
 * removed when the test finishes. `redis-server` and `redis-cli` come from Debian's packages
 * (`redis-server` depends on `redis-tools`; .ci/run installs them).
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect, onTestFinished } from 'vitest'
import { freePort, requireRedis } from './cluster-fixtures.js'

const run = promisify(execFile)

/** The cluster's node timeout (ms): a master silent this long is failed over. */
export const CLUSTER_NODE_TIMEOUT_MS = 1000

export interface ClusterRedis {
  readonly port: number
  /** kill -9, and wait for the exit. */
  kill(): Promise<void>
}

export interface RedisCluster {
  /** SIGHTLINE_REDIS_URL for it: redis-cluster://127.0.0.1:p1,...:p3 (three seeds). */
  readonly url: string
  readonly nodes: readonly ClusterRedis[]
  /** `redis-cli -p port args...`, its output trimmed. */
  cli(port: number, ...args: string[]): Promise<string>
  /** The port of the master serving `channel`'s slot, as `port` sees the cluster. */
  masterOf(channel: string, port?: number): Promise<number>
  /** Shard channels with subscribers on the master at `port` (PUBSUB SHARDCHANNELS). */
  shardChannels(port: number): Promise<string[]>
  /**
   * Waits until every live node says cluster_state:ok and they agree on three masters, all
   * alive (after a kill: the replica promoted).
   */
  waitHealthy(timeout?: number): Promise<void>
}

/** Fails the test with a clear message when redis-cli is missing (it comes with redis-server). */
function requireRedisCli(): void {
  const found = spawnSync('redis-cli', ['--version'], { stdio: 'ignore' })
  if (found.error !== undefined || found.status !== 0) {
    throw new Error('redis-cli is not installed: apt-get install -y redis-tools')
  }
}

/** Three masters with one replica each on loopback; stopped and removed after the test. */
export async function startRedisCluster(): Promise<RedisCluster> {
  requireRedis()
  requireRedisCli()
  const dir = mkdtempSync(join(tmpdir(), 'sightline-redis-cluster-'))
  const children: ChildProcess[] = []
  onTestFinished(async () => {
    await Promise.all(children.map((c) => stop(c)))
    rmSync(dir, { recursive: true, force: true })
  })
  const ports: number[] = []
  for (let i = 0; i < 6; i++) {
    let port = await freePort()
    // The cluster bus listens on port + 10000: both must be free.
    while (port > 55_535 || ports.includes(port)) port = await freePort()
    ports.push(port)
  }
  const nodes = await Promise.all(
    ports.map(async (port) => {
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          String(CLUSTER_NODE_TIMEOUT_MS),
          // A replica takes over however long it was cut off from its master.
          '--cluster-replica-validity-factor',
          '0',
          '--appendonly',
          'no',
          '--save',
          '',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      )
      children.push(child)
      let out = ''
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
      child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
      await expect.poll(() => out, { timeout: 10_000 }).toContain('Ready to accept connections')
      return { port, kill: () => stop(child) }
    }),
  )
  await run('redis-cli', [
    '--cluster',
    'create',
    ...ports.map((p) => `127.0.0.1:${p}`),
    '--cluster-replicas',
    '1',
    '--cluster-yes',
  ])
  const cli = async (port: number, ...args: string[]) =>
    (await run('redis-cli', ['-p', String(port), ...args])).stdout.trim()
  const alive = () =>
    nodes.filter((_, i) => children[i]?.exitCode === null && children[i]?.signalCode === null)
  /** Masters serving slots, as `port` sees them (CLUSTER SHARDS would need 7.0.x parsing). */
  const masters = async (port: number) => {
    const lines = (await cli(port, 'cluster', 'nodes')).split('\n')
    return lines
      .map((l) => l.split(' '))
      .filter((f) => f[2]?.includes('master') && !f[2].includes('fail') && f.length > 8)
      .map((f) => Number(f[1]?.split('@')[0]?.split(':')[1]))
      .sort()
  }
  const cluster: RedisCluster = {
    url: `redis-cluster://${ports
      .slice(0, 3)
      .map((p) => `127.0.0.1:${p}`)
      .join(',')}`,
    nodes,
    cli,
    async masterOf(channel, port) {
      const from = port ?? alive()[0]?.port ?? ports[0]!
      const slot = Number(await cli(from, 'cluster', 'keyslot', channel))
      const slots = (await cli(from, 'cluster', 'nodes')).split('\n').map((l) => l.split(' '))
      for (const f of slots) {
        if (!f[2]?.includes('master') || f[2].includes('fail')) continue
        for (const range of f.slice(8)) {
          const [lo, hi = lo] = range.split('-').map(Number)
          if (lo !== undefined && hi !== undefined && slot >= lo && slot <= hi) {
            return Number(f[1]?.split('@')[0]?.split(':')[1])
          }
        }
      }
      throw new Error(`no master serves slot ${slot} (${channel})`)
    },
    async shardChannels(port) {
      const out = await cli(port, 'pubsub', 'shardchannels')
      return out === '' ? [] : out.split('\n').sort()
    },
    async waitHealthy(timeout = 20_000) {
      await expect
        .poll(
          async () => {
            const live = alive()
            const views = await Promise.all(
              live.map(async (n) => {
                const info = await cli(n.port, 'cluster', 'info').catch(() => '')
                return info.includes('cluster_state:ok')
                  ? JSON.stringify(await masters(n.port))
                  : 'not ok'
              }),
            )
            // All ok, every live node agrees on three masters, all of them alive.
            const first = views[0] ?? 'not ok'
            if (first === 'not ok' || !views.every((v) => v === first)) return false
            const ports = JSON.parse(first) as number[]
            return ports.length === 3 && ports.every((p) => live.some((n) => n.port === p))
          },
          { timeout, interval: 100 },
        )
        .toBe(true)
    },
  }
  await cluster.waitHealthy()
  return cluster
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGKILL')
  await exited
}
