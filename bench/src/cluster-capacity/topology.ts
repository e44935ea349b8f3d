/**
 * The processes of one capacity run: redis-server, K relay nodes (the built CLI, each with
 * SIGHTLINE_REDIS_URL, SIGHTLINE_TRANSPORT and its own SIGHTLINE_NODE_ID) and G load generators; and the kill on
 * exit that no run may leave behind.
 */
import { randomBytes } from 'node:crypto'
import { cpus } from 'node:os'
import { GeneratorPool } from '../generator-pool.js'
import type { Behaviour, Routing } from '../generator-protocol.js'
import { type RedisProcess, startRedis } from '../redis.js'
import { buildRelay, createServerProcess, hardFdLimit, type ServerProcess } from '../servers.js'
import { delay, relayEnvironment, sourceAddresses } from '../session.js'
import { presenceBehaviour } from '../workloads/common.js'
import { ephemeralPorts } from './machine.js'
import { type ClusterCapacityOptions, processesFor, type Transport } from './options.js'

/**
 * The generators' ticker period (ms). It paces the tabs' sends only (every tab still
 * heartbeats each `heartbeatMs` and changes each `changeMs`, spread over the ticks; latency
 * runs from the send's own timestamp): 50 rather than the other workloads' 10 wakes each
 * generator 20 times a second instead of 100, about 1.5 % of a core less per generator here.
 */
const TICK_MS = 50

/** The shape of a run, fixed before anything starts. */
export interface RunPlan {
  /** Cumulative tab counts, ascending. */
  readonly steps: readonly number[]
  readonly nodes: number
  readonly generators: number
  readonly cores: number
  readonly fdLimit: number
  /** Ephemeral ports per source address. */
  readonly ports: number
  readonly addresses: readonly string[]
  readonly behaviour: Behaviour
  readonly secret: string
  /** The relay nodes' socket layer (SIGHTLINE_TRANSPORT). */
  readonly transport: Transport
  readonly routing: Routing
}

export async function planRun(o: ClusterCapacityOptions): Promise<RunPlan> {
  const steps = [...o.steps].sort((a, b) => a - b)
  const top = steps.at(-1) ?? 0
  const ports = ephemeralPorts()
  return {
    steps,
    nodes: o.nodes ?? processesFor(top),
    generators: o.generators ?? processesFor(top),
    cores: cpus().length,
    fdLimit: await hardFdLimit(),
    ports,
    // Each source address has its own range of ephemeral ports: keep them half used at most.
    addresses: sourceAddresses(Math.max(8, Math.ceil(top / (ports / 2)))),
    behaviour: presenceBehaviour('sightline', o.changeMs),
    secret: randomBytes(32).toString('hex'),
    transport: o.transport,
    routing: o.routing,
  }
}

/** The processes of a run, filled in one by one as they start (so each is killed on exit). */
export interface RunProcesses {
  redis: RedisProcess | null
  readonly nodes: ServerProcess[]
  pool: GeneratorPool | null
}

/** Every process started, once all of them run. */
export interface Topology {
  readonly redis: RedisProcess
  readonly nodes: readonly ServerProcess[]
  readonly generators: GeneratorPool
}

/** The processes of every run in progress, so that an exit of any kind can kill them. */
const live = new Set<RunProcesses>()

function pidsOf(p: RunProcesses): number[] {
  return [
    ...p.nodes.map((n) => n.pid()),
    ...(p.pool?.pids() ?? []),
    ...(p.redis ? [p.redis.pid()] : []),
  ]
}

/** Kills (SIGKILL) every process of every run in progress; safe in an `exit` handler. */
export function killAllChildren(): void {
  for (const run of live) {
    for (const pid of pidsOf(run)) {
      try {
        if (pid > 0) process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }
}

/** A run's (still empty) set of processes, killed if this process exits before it stops them. */
export function trackProcesses(): RunProcesses {
  const run: RunProcesses = { redis: null, nodes: [], pool: null }
  live.add(run)
  process.on('exit', killAllChildren)
  return run
}

/**
 * Builds the relay, starts Redis, the nodes and the generators (recording each in `run` as it
 * starts), and lets the nodes hear each other's heartbeats before the first tab.
 */
export async function startTopology(
  run: RunProcesses,
  plan: RunPlan,
  relayEnv: Readonly<Record<string, string>> | undefined,
): Promise<Topology> {
  await buildRelay()
  const redis = await startRedis()
  run.redis = redis
  const env = {
    ...relayEnvironment(plan.secret),
    ...relayEnv,
    SIGHTLINE_TRANSPORT: plan.transport,
    SIGHTLINE_REDIS_URL: redis.url,
  }
  for (let i = 0; i < plan.nodes; i++) {
    // One at a time: each is registered (for the kill on exit) as soon as it runs.
    run.nodes.push(
      await createServerProcess({
        kind: 'sightline',
        env: { ...env, SIGHTLINE_NODE_ID: `capacity-${i + 1}` },
      }),
    )
  }
  const generators = GeneratorPool.start(plan.generators)
  run.pool = generators
  await generators.all({
    type: 'init',
    serverKind: 'sightline',
    url: run.nodes[0]!.url,
    urls: run.nodes.map((n) => n.url),
    routing: plan.routing,
    jwtSecret: plan.secret,
    behaviour: plan.behaviour,
    localAddresses: plan.addresses,
    tickMs: TICK_MS,
  })
  await delay(1500)
  return { redis, nodes: run.nodes, generators }
}

/** Stops generators, nodes and Redis (in that order), then kills whatever is left. */
export async function stopProcesses(run: RunProcesses): Promise<void> {
  await run.pool?.close().catch(() => {})
  await Promise.all(run.nodes.map((n) => n.stop().catch(() => {})))
  await run.redis?.stop().catch(() => {})
  killAllChildren()
  live.delete(run)
  if (live.size === 0) process.off('exit', killAllChildren)
}
