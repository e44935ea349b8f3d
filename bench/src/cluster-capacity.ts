/**
 * `pnpm bench:capacity`: how many agent tabs several relay nodes sharing rooms through Redis
 * hold on this one machine, step by step, and what stops them (docs/performance.md, "Capacity
 * across nodes").
 *
 * Starts its own redis-server (loopback, no persistence), K relay nodes (the built CLI, each
 * with SIGHTLINE_REDIS_URL and its own SIGHTLINE_NODE_ID) and G load generators (generator.ts).
 * Each tab connects to a node picked per tab (a hash of its client ID), whatever its room, as
 * a load balancer would; a generator owns whole rooms, so it knows on which node each sender
 * and each receiver is, and counts the deliveries that crossed nodes. Tabs behave as in the
 * steady workload: rooms of 5, the Sightline heartbeat of the other workloads
 * (`presenceBehaviour`), one activity change per tab per 30 s.
 *
 * At each step (cumulative tab counts): add tabs (bounded connect concurrency), wait until
 * every tab sees its room-mates (bounded), measure an idle window (changes off: idle traffic
 * per tab), then a window with changes on (latency, cross-node share, CPU, memory). Stops at
 * the last step or when the machine stops it, and says what limited it.
 *
 *   --steps 20000,40000,60000,80000,100000   cumulative tab counts
 *   --nodes <K>              relay nodes (default: top step / 18,000 sockets, rounded up)
 *   --generators <G>         load generators (default likewise)
 *   --measure-ms <ms>        window with changes on, per step (default 30000)
 *   --idle-ms <ms>           idle window per step (default 15000, one relay refresh period)
 *   --settle-timeout-ms <ms> (default 120000)
 *   --p99-limit-ms <ms>      stop when a step's p99 passes this (default 1000)
 *   --connect-concurrency <n> sockets connecting at once, over all generators (default 256)
 *   --out <file>             JSON (default bench/results/capacity-<YYYY-MM-DD>.json)
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { GeneratorPool } from './generator-pool.js'
import type { GeneratorStats } from './generator-protocol.js'
import type { LatencySummary } from './histogram.js'
import { type ProcSample, sampleProcess } from './proc-stats.js'
import { type RedisProcess, startRedis } from './redis.js'
import {
  buildRelay,
  createServerProcess,
  hardFdLimit,
  REPO_ROOT,
  type ServerProcess,
} from './servers.js'
import { delay, relayEnvironment, sourceAddresses, sumStats, type Totals } from './session.js'
import { presenceBehaviour } from './workloads/common.js'

/** Sockets one process (relay node or generator) should hold at most. */
export const SOCKETS_PER_PROCESS = 18_000
/** Descriptors a process needs besides its sockets (listen socket, stdio, libuv, Redis, ...). */
const FD_RESERVE = 200
/** Memory left to the machine (and the other people on it) when deciding to add a step. */
const MEMORY_RESERVE_BYTES = 2 * 2 ** 30
/** Share of the machine's CPU from which it counts as saturated. */
const SATURATED = 0.9

export interface ClusterCapacityOptions {
  /** Cumulative tab counts, ascending. */
  readonly steps: readonly number[]
  readonly nodes?: number | undefined
  readonly generators?: number | undefined
  readonly measureMs: number
  readonly idleMs: number
  /** Each tab changes its activity once per this period (ms). */
  readonly changeMs: number
  readonly roomSize: number
  readonly settleTimeoutMs: number
  readonly p99LimitMs: number
  /** Sockets connecting at once, over all generators. */
  readonly connectConcurrency: number
  /** Extra relay environment (the test's short liveness settings). */
  readonly relayEnv?: Readonly<Record<string, string>> | undefined
  /** JSON output; null: none. */
  readonly out: string | null
  readonly log: (line: string) => void
}

export const DEFAULT_OPTIONS: Omit<ClusterCapacityOptions, 'out' | 'log'> = {
  steps: [20_000, 40_000, 60_000, 80_000, 100_000],
  measureMs: 30_000,
  idleMs: 15_000,
  changeMs: 30_000,
  roomSize: 5,
  settleTimeoutMs: 120_000,
  p99LimitMs: 1000,
  connectConcurrency: 256,
}

/** Processes (nodes or generators) for `tabs` sockets at most `SOCKETS_PER_PROCESS` each. */
export function processesFor(tabs: number): number {
  return Math.max(1, Math.ceil(tabs / SOCKETS_PER_PROCESS))
}

/** CPU over one phase, in percent of one core (the machine has `cores` x 100). */
export interface CpuFigures {
  readonly seconds: number
  /** Sum over the relay nodes, and the busiest node. */
  readonly relaysPercent: number
  readonly relayNodeMaxPercent: number
  readonly redisPercent: number
  readonly generatorsPercent: number
  readonly generatorMaxPercent: number
  /** This script (the orchestrator). */
  readonly orchestratorPercent: number
  /** All the processes of the benchmark together. */
  readonly benchPercent: number
  /** The whole machine (/proc/stat), other users included. */
  readonly machinePercent: number
  /** Machine less the benchmark: whoever else shares the cores. */
  readonly otherPercent: number
  readonly capacityPercent: number
}

export interface CapacityStepRow {
  readonly target: number
  /** Tabs open at the end of the step. */
  readonly tabs: number
  readonly passed: boolean
  readonly connect: {
    readonly added: number
    readonly failed: number
    readonly seconds: number
    readonly settled: boolean
    readonly settleSeconds: number
    /** Tabs still short of a room-mate when settling ended. */
    readonly missing: number
    readonly latency: LatencySummary
    readonly cpu: CpuFigures
    readonly generatorLoopLagMaxMs: number
  }
  /** Sender to receiver, changes in the measured window. */
  readonly latency: LatencySummary
  readonly changesPerSec: number
  readonly deliveriesPerSec: number
  /** Delivered changes whose sender and receiver are on different nodes, over all. */
  readonly crossNodeShare: number | null
  readonly cpu: CpuFigures
  readonly memory: {
    readonly relaysRssMB: number
    /** Sum of the relays' RSS / tabs. */
    readonly relayRssPerTabKB: number | null
    /** (Sum of RSS - sum of RSS before any tab) / tabs. */
    readonly relayRssPerTabAboveBaselineKB: number | null
    readonly redisRssMB: number
    readonly generatorsRssMB: number
    readonly machineAvailableMB: number
  }
  /** Idle window (changes off): traffic per tab and minute, WebSocket framing included. */
  readonly idle: {
    readonly seconds: number
    readonly upBytesPerTabMin: number | null
    readonly downBytesPerTabMin: number | null
    readonly upFramesPerTabMin: number | null
    readonly downFramesPerTabMin: number | null
    readonly cpu: CpuFigures
  }
  readonly bus: { readonly messagesOutPerSec: number; readonly bytesOutPerSec: number }
  /** Open connections per node (its /metrics) and the relays' refusals so far, by reason. */
  readonly nodes: {
    readonly connections: readonly number[]
    readonly refusals: Readonly<Record<string, number>>
  }
  /** Whole step: failed connects, tabs dropped after opening (by close code). */
  readonly errors: {
    readonly connectFailures: number
    readonly connectErrors: Readonly<Record<string, number>>
    readonly unexpectedCloses: number
    readonly closeCodes: Readonly<Record<string, number>>
    readonly deadProcesses: readonly string[]
  }
  /** Longest event-loop stall of any generator in the step. */
  readonly generatorLoopLagMaxMs: number
}

export type StopReason =
  | 'target'
  | 'settle-timeout'
  | 'p99'
  | 'connect-failures'
  | 'unexpected-closes'
  | 'process-exited'
  | 'memory'
  | 'fd-limit'
  | 'port-limit'
  | 'error'

export type Limit =
  | 'cpu'
  | 'relay-node-cpu'
  | 'redis-cpu'
  | 'generators'
  | 'memory'
  | 'fd-limit'
  | 'ephemeral-ports'
  | 'relay-refusals'
  | 'unknown'

export interface Projection {
  /** Tabs at which the benchmark's processes would use 90 % of the machine's cores. */
  readonly cpuBench: number | null
  /** Tabs at which relays and Redis alone would (load generated on other machines). */
  readonly cpuRelaysAndRedis: number | null
  /** Tabs at which the busiest relay node would use a whole core. */
  readonly busiestNodeCpu: number | null
  readonly redisCpu: number | null
  /** Tabs at which relays, Redis and generators would fill the machine's memory less 2 GiB. */
  readonly memory: number | null
  /** min(K nodes, G generators) x the sockets one process may hold. */
  readonly fdLimit: number
  /** The smallest of cpuBench, busiestNodeCpu, redisCpu, memory, fdLimit, and which. */
  readonly tabs: number | null
  readonly boundBy: string | null
  readonly method: string
}

export interface ClusterCapacityResult {
  readonly date: string
  readonly machine: {
    readonly cpus: number
    readonly cpuModel: string
    readonly memoryGB: number
    readonly node: string
    readonly fdLimit: number
    readonly ephemeralPorts: number
  }
  readonly options: Omit<ClusterCapacityOptions, 'log' | 'out'>
  readonly nodes: number
  readonly generators: number
  readonly sourceAddresses: number
  readonly heartbeatMs: number
  readonly steps: readonly CapacityStepRow[]
  /** Tabs of the last step that passed every check (0: none). */
  readonly reached: number
  readonly stoppedBy: StopReason
  readonly limitedBy: Limit | null
  readonly limitDetail: string
  readonly projection: Projection
}

const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits
const MB = 2 ** 20

/** /proc/stat's first line: busy and total jiffies of all cores. */
function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? ''
  const v = line.trim().split(/\s+/).slice(1).map(Number)
  const total = v.slice(0, 8).reduce((s, x) => s + x, 0)
  const idle = (v[3] ?? 0) + (v[4] ?? 0)
  return { busy: total - idle, total }
}

function memInfo(): { availableBytes: number; totalBytes: number } {
  const text = readFileSync('/proc/meminfo', 'utf8')
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0)
  return { availableBytes: kb('MemAvailable') * 1024, totalBytes: kb('MemTotal') * 1024 }
}

function ephemeralPorts(): number {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number)
    return (hi ?? 0) - (lo ?? 0) + 1
  } catch {
    return 28_232
  }
}

const EMPTY: ProcSample = { atMs: 0, cpuMs: 0, rssBytes: 0, peakRssBytes: 0 }

/** One instant of every process of the run. A process that is gone samples as null. */
interface Snapshot {
  readonly atMs: number
  readonly relays: readonly (ProcSample | null)[]
  readonly redis: ProcSample | null
  readonly generators: readonly (ProcSample | null)[]
  readonly selfCpuMs: number
  readonly machine: { busy: number; total: number }
}

function trySample(pid: number): ProcSample | null {
  try {
    return pid > 0 ? sampleProcess(pid) : null
  } catch {
    return null
  }
}

function cpuFigures(a: Snapshot, b: Snapshot, cores: number): CpuFigures {
  const wall = b.atMs - a.atMs
  const pct = (x: ProcSample | null | undefined, y: ProcSample | null | undefined) =>
    wall > 0 && x && y ? (100 * (y.cpuMs - x.cpuMs)) / wall : 0
  const relays = b.relays.map((s, i) => pct(a.relays[i], s))
  const gens = b.generators.map((s, i) => pct(a.generators[i], s))
  const redis = pct(a.redis, b.redis)
  const self = wall > 0 ? (100 * (b.selfCpuMs - a.selfCpuMs)) / wall : 0
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0)
  const ticks = b.machine.total - a.machine.total
  const machine = ticks > 0 ? ((b.machine.busy - a.machine.busy) / ticks) * cores * 100 : 0
  const bench = sum(relays) + sum(gens) + redis + self
  return {
    seconds: round(wall / 1000),
    relaysPercent: round(sum(relays)),
    relayNodeMaxPercent: round(Math.max(0, ...relays)),
    redisPercent: round(redis),
    generatorsPercent: round(sum(gens)),
    generatorMaxPercent: round(Math.max(0, ...gens)),
    orchestratorPercent: round(self),
    benchPercent: round(bench),
    machinePercent: round(machine),
    otherPercent: round(Math.max(0, machine - bench)),
    capacityPercent: cores * 100,
  }
}

/** Least-squares line through (x, y); through the origin with one point. */
function fit(points: readonly (readonly [number, number])[]): { a: number; b: number } | null {
  if (points.length === 0) return null
  if (points.length === 1) {
    const [x, y] = points[0]!
    return x > 0 ? { a: 0, b: y / x } : null
  }
  const n = points.length
  const mx = points.reduce((s, p) => s + p[0], 0) / n
  const my = points.reduce((s, p) => s + p[1], 0) / n
  const sxx = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0)
  if (sxx === 0) return null
  const b = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) / sxx
  return { a: my - b * mx, b }
}

/** Tabs at which the fitted line of `y` reaches `limit` (null when it does not rise). */
function reach(points: readonly (readonly [number, number])[], limit: number): number | null {
  const f = fit(points)
  if (f === null || !(f.b > 0)) return null
  return Math.max(0, Math.round((limit - f.a) / f.b))
}

function project(
  steps: readonly CapacityStepRow[],
  cores: number,
  nodes: number,
  generators: number,
  fdLimit: number,
): Projection {
  const passed = steps.filter((s) => s.passed && s.tabs > 0)
  const use = passed.length > 0 ? passed : steps.filter((s) => s.tabs > 0)
  const pts = (f: (s: CapacityStepRow) => number) => use.map((s) => [s.tabs, f(s)] as const)
  const machine = cores * 100 * SATURATED
  const { totalBytes } = memInfo()
  const cpuBench = reach(
    pts((s) => s.cpu.benchPercent),
    machine,
  )
  const cpuRelaysAndRedis = reach(
    pts((s) => s.cpu.relaysPercent + s.cpu.redisPercent),
    machine,
  )
  const busiestNodeCpu = reach(
    pts((s) => s.cpu.relayNodeMaxPercent),
    100 * SATURATED,
  )
  const redisCpu = reach(
    pts((s) => s.cpu.redisPercent),
    100 * SATURATED,
  )
  const memory = reach(
    pts((s) => (s.memory.relaysRssMB + s.memory.redisRssMB + s.memory.generatorsRssMB) * MB),
    totalBytes - MEMORY_RESERVE_BYTES,
  )
  const fd =
    Math.min(nodes, generators) * (Math.min(fdLimit, SOCKETS_PER_PROCESS + FD_RESERVE) - FD_RESERVE)
  const candidates: [string, number | null][] = [
    ['CPU of the whole benchmark (relays, Redis, generators)', cpuBench],
    ['CPU of the busiest relay node (one core)', busiestNodeCpu],
    ['CPU of Redis (one core)', redisCpu],
    ['memory', memory],
    [`sockets per process (${nodes} nodes, ${generators} generators)`, fd],
  ]
  let best: [string, number] | null = null
  for (const [name, v] of candidates)
    if (v !== null && (best === null || v < best[1])) best = [name, v]
  return {
    cpuBench,
    cpuRelaysAndRedis,
    busiestNodeCpu,
    redisCpu,
    memory,
    fdLimit: fd,
    tabs: best?.[1] ?? null,
    boundBy: best?.[0] ?? null,
    method:
      `${use.length > 1 ? 'least-squares line' : 'proportion (through 0)'} of each figure against tabs ` +
      `over ${use.length} ${passed.length > 0 ? 'passed' : 'measured'} step(s), extended to ` +
      `${SATURATED * 100} % of ${cores} cores (bench; relays + Redis), ${SATURATED * 100} % of one ` +
      `core (busiest node; Redis), all memory less 2 GiB`,
  }
}

/** Scrapes a node's /metrics (null if it does not answer). */
async function scrape(node: ServerProcess): Promise<string | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${node.port}/metrics`, {
      signal: AbortSignal.timeout(5000),
    })
    return await res.text()
  } catch {
    return null
  }
}

interface NodeMetrics {
  readonly connections: number[]
  readonly refusals: Record<string, number>
  readonly busMessagesOut: number
  readonly busBytesOut: number
}

async function nodeMetrics(nodes: readonly ServerProcess[]): Promise<NodeMetrics> {
  const texts = await Promise.all(nodes.map(scrape))
  const refusals: Record<string, number> = {}
  let busMessagesOut = 0
  let busBytesOut = 0
  const connections = texts.map((text) => {
    if (text === null) return -1
    for (const m of text.matchAll(/^sightline_relay_refusals_total\{reason="([^"]+)"\} (\d+)$/gm)) {
      if (Number(m[2]) > 0) refusals[m[1]!] = (refusals[m[1]!] ?? 0) + Number(m[2])
    }
    const read = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0)
    busMessagesOut += read(/^sightline_relay_bus_messages_total\{direction="out"\} (\d+)/m)
    busBytesOut += read(/^sightline_relay_bus_bytes_total\{direction="out"\} (\d+)/m)
    return read(/^sightline_relay_connections (\d+)/m)
  })
  return { connections, refusals, busMessagesOut, busBytesOut }
}

/** Relay refusals that show a starved process (relay or generator), not a cap. */
const STARVED_REFUSALS = new Set(['handshake_timeout', 'liveness_timeout', 'slow_consumer'])

/** What limited a step that failed, from its errors and the CPU of the phase that failed. */
function diagnose(
  row: CapacityStepRow,
  stop: StopReason,
  cores: number,
): { limit: Limit; detail: string } {
  const e = row.errors
  const codes = Object.keys(e.connectErrors)
  if (codes.some((c) => c === 'EADDRNOTAVAIL' || c === 'EADDRINUSE')) {
    return { limit: 'ephemeral-ports', detail: `connect errors ${JSON.stringify(e.connectErrors)}` }
  }
  if (codes.some((c) => c === 'EMFILE' || c === 'ENFILE')) {
    return { limit: 'fd-limit', detail: `connect errors ${JSON.stringify(e.connectErrors)}` }
  }
  if (row.memory.machineAvailableMB * MB < MEMORY_RESERVE_BYTES) {
    return { limit: 'memory', detail: `${row.memory.machineAvailableMB} MB left available` }
  }
  // Refusals for a cap (connections, rooms, rate, ...) are a limit of their own; timeouts and
  // slow consumers are what a starved relay or generator looks like: see the CPU.
  const caps = Object.keys(row.nodes.refusals).filter((r) => !STARVED_REFUSALS.has(r))
  if (caps.length > 0) {
    return { limit: 'relay-refusals', detail: `refusals ${JSON.stringify(row.nodes.refusals)}` }
  }
  // Latency is measured in the window with changes; other failures may come in any phase:
  // take the busiest one.
  const phases: [string, CpuFigures][] = [
    ['measured window', row.cpu],
    ['connect phase', row.connect.cpu],
    ['idle window', row.idle.cpu],
  ]
  const [where, cpu] =
    stop === 'p99'
      ? phases[0]!
      : phases.reduce((a, b) => (b[1].machinePercent > a[1].machinePercent ? b : a))
  const detail =
    `${where}: machine ${cpu.machinePercent} % of ${cpu.capacityPercent} % (bench ${cpu.benchPercent} %: ` +
    `relays ${cpu.relaysPercent} %, busiest node ${cpu.relayNodeMaxPercent} %, Redis ${cpu.redisPercent} %, ` +
    `generators ${cpu.generatorsPercent} %; other processes ${cpu.otherPercent} %); ` +
    `generator stall ${row.generatorLoopLagMaxMs} ms; relay refusals ${JSON.stringify(row.nodes.refusals)}; ` +
    `close codes ${JSON.stringify(e.closeCodes)}; connect errors ${JSON.stringify(e.connectErrors)}`
  if (cpu.machinePercent >= cores * 100 * SATURATED) return { limit: 'cpu', detail }
  if (cpu.relayNodeMaxPercent >= 100 * SATURATED) return { limit: 'relay-node-cpu', detail }
  if (cpu.redisPercent >= 100 * SATURATED) return { limit: 'redis-cpu', detail }
  if (cpu.generatorMaxPercent >= 100 * SATURATED || row.generatorLoopLagMaxMs >= 1000) {
    return { limit: 'generators', detail }
  }
  return { limit: 'unknown', detail }
}

/** Every process the run started, so that an exit of any kind can kill them. */
const live = new Set<() => number[]>()

/** Kills (SIGKILL) every process of every run in progress; safe in an `exit` handler. */
export function killAllChildren(): void {
  for (const pids of live) {
    for (const pid of pids()) {
      try {
        if (pid > 0) process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }
}

export async function runClusterCapacity(
  o: ClusterCapacityOptions,
): Promise<ClusterCapacityResult> {
  const steps = [...o.steps].sort((a, b) => a - b)
  const top = steps.at(-1) ?? 0
  const K = o.nodes ?? processesFor(top)
  const G = o.generators ?? processesFor(top)
  const cores = cpus().length
  const fdLimit = await hardFdLimit()
  const ports = ephemeralPorts()
  // Each source address has its own range of ephemeral ports: keep them half used at most.
  const addresses = sourceAddresses(Math.max(8, Math.ceil(top / (ports / 2))))
  const behaviour = presenceBehaviour('sightline', o.changeMs)
  const secret = randomBytes(32).toString('hex')
  o.log(
    `${K} relay nodes, ${G} generators, ${addresses.length} source addresses, ` +
      `steps ${steps.join(', ')}; heartbeat ${behaviour.heartbeatMs} ms, ` +
      `a change per tab every ${o.changeMs} ms`,
  )

  let redis: RedisProcess | null = null
  const nodes: ServerProcess[] = []
  let pool: GeneratorPool | null = null
  const pids = () => [
    ...nodes.map((n) => n.pid()),
    ...(pool?.pids() ?? []),
    ...(redis ? [redis.pid()] : []),
  ]
  live.add(pids)
  process.on('exit', killAllChildren)

  const rows: CapacityStepRow[] = []
  let stoppedBy: StopReason = 'target'
  let limitedBy: Limit | null = null
  let limitDetail = ''
  try {
    await buildRelay()
    redis = await startRedis()
    const env = { ...relayEnvironment(secret), ...o.relayEnv, SIGHTLINE_REDIS_URL: redis.url }
    for (let i = 0; i < K; i++) {
      // One at a time: each is registered (for the kill on exit) as soon as it runs.
      nodes.push(
        await createServerProcess({
          kind: 'sightline',
          env: { ...env, SIGHTLINE_NODE_ID: `capacity-${i + 1}` },
        }),
      )
    }
    pool = GeneratorPool.start(G)
    const gens = pool
    await gens.all({
      type: 'init',
      serverKind: 'sightline',
      url: nodes[0]!.url,
      urls: nodes.map((n) => n.url),
      jwtSecret: secret,
      behaviour,
      localAddresses: addresses,
      tickMs: 10,
    })
    // Let the nodes hear each other's heartbeats before the first tab.
    await delay(1500)
    const redisProc = redis
    const snapshot = (): Snapshot => ({
      atMs: performance.now(),
      relays: nodes.map((n) => trySample(n.pid())),
      redis: trySample(redisProc.pid()),
      generators: gens.pids().map(trySample),
      selfCpuMs: (() => {
        const u = process.cpuUsage()
        return (u.user + u.system) / 1000
      })(),
      machine: machineTicks(),
    })
    const baseline = snapshot()
    const baselineRelayRss = baseline.relays.reduce((s, x) => s + (x?.rssBytes ?? 0), 0)
    const collect = async (): Promise<Totals> =>
      sumStats(await gens.all<GeneratorStats>({ type: 'collect' }))
    const tabsPerGenerator = new Array<number>(G).fill(0)
    let rooms = 0

    for (const target of steps) {
      const addRooms = Math.max(0, Math.ceil((target - rooms * o.roomSize) / o.roomSize))
      const nextTabs = (rooms + addRooms) * o.roomSize
      // Checks before adding: per-process sockets, ports per source address, memory.
      const perNode = Math.ceil((nextTabs / K) * 1.05)
      const per = Math.ceil(addRooms / G)
      const perGen = Math.max(...tabsPerGenerator) + per * o.roomSize
      const socketCap = Math.min(SOCKETS_PER_PROCESS, fdLimit - FD_RESERVE)
      if (perNode > socketCap || perGen > socketCap) {
        stoppedBy = 'fd-limit'
        limitedBy = 'fd-limit'
        limitDetail = `${nextTabs} tabs: ~${perNode} per node, ${perGen} per generator, over ${socketCap} sockets per process (open-file limit ${fdLimit})`
        break
      }
      if (nextTabs / addresses.length > ports * SATURATED) {
        stoppedBy = 'port-limit'
        limitedBy = 'ephemeral-ports'
        limitDetail = `${nextTabs} tabs over ${addresses.length} source addresses of ${ports} ports each`
        break
      }
      const last = rows.at(-1)
      const bytesPerTab =
        last && last.tabs > 0
          ? ((last.memory.relaysRssMB + last.memory.redisRssMB + last.memory.generatorsRssMB) *
              MB) /
            last.tabs
          : 100 * 1024
      const mem = memInfo()
      if (mem.availableBytes - bytesPerTab * addRooms * o.roomSize < MEMORY_RESERVE_BYTES) {
        stoppedBy = 'memory'
        limitedBy = 'memory'
        limitDetail = `${Math.round(mem.availableBytes / MB)} MB available, ${nextTabs} tabs need ~${Math.round((bytesPerTab * addRooms * o.roomSize) / MB)} MB more`
        break
      }

      o.log(`step ${target}: adding ${addRooms * o.roomSize} tabs ...`)
      const s0 = snapshot()
      const first = rooms
      rooms += addRooms
      const added = await Promise.all(
        Array.from({ length: G }, (_, i) => {
          const start = first + i * per
          const n = Math.max(0, Math.min(per, first + addRooms - start))
          tabsPerGenerator[i]! += n * o.roomSize
          return n === 0
            ? Promise.resolve({ opened: 0, failed: 0 })
            : gens.send<{ opened: number; failed: number }>(i, {
                type: 'addRooms',
                firstRoom: start,
                count: n,
                roomSize: o.roomSize,
                connectConcurrency: Math.max(1, Math.ceil(o.connectConcurrency / G)),
              })
        }),
      )
      const connectedAt = performance.now()
      const failed = added.reduce((s, r) => s + r.failed, 0)
      const settleResults = await gens.all<{ ok: boolean; missing: number }>({
        type: 'settle',
        timeoutMs: o.settleTimeoutMs,
      })
      const settled = settleResults.every((r) => r.ok)
      const missing = settleResults.reduce((s, r) => s + r.missing, 0)
      const s1 = snapshot()
      const connectPhase = await collect()
      o.log(
        `step ${target}: ${connectPhase.tabsOpen} open, ${failed} failed, ` +
          `${settled ? 'settled' : `NOT settled (${missing} tabs short)`} in ${round((s1.atMs - s0.atMs) / 1000)} s; idle window ...`,
      )

      // Idle window: heartbeats (and the relay's refreshes and pings) only.
      await gens.all({ type: 'mark' })
      const i0 = snapshot()
      await delay(o.idleMs)
      const i1 = snapshot()
      const idle = await collect()

      // Measured window: one change per tab per `changeMs`.
      o.log(`step ${target}: measuring ${o.measureMs} ms with changes ...`)
      const busBefore = await nodeMetrics(nodes)
      await gens.all({ type: 'mark' })
      const m0 = snapshot()
      await gens.all({ type: 'changes', on: true })
      await delay(o.measureMs)
      await gens.all({ type: 'changes', on: false })
      const m1 = snapshot()
      const busAfter = await nodeMetrics(nodes)
      // Let the changes in flight land before counting.
      let lastCount = -1
      const drainUntil = performance.now() + 10_000
      let active = await collect()
      while (performance.now() < drainUntil) {
        const n = active.changeDeliveries + active.appearances + active.removals
        if (n === lastCount) break
        lastCount = n
        await delay(300)
        active = await collect()
      }
      const mem1 = memInfo()

      const dead = [
        ...m1.relays.flatMap((r, i) => (r === null ? [`relay node ${i + 1}`] : [])),
        ...(m1.redis === null ? ['redis'] : []),
        ...m1.generators.flatMap((g, i) => (g === null ? [`generator ${i + 1}`] : [])),
      ]
      const sumRss = (xs: readonly (ProcSample | null)[]) =>
        xs.reduce((s, x) => s + (x ?? EMPTY).rssBytes, 0)
      const tabs = active.tabsOpen
      const relaysRss = sumRss(m1.relays)
      const idleMin = (i1.atMs - i0.atMs) / 60_000
      const perTabMin = (v: number) =>
        idle.tabsOpen > 0 && idleMin > 0 ? round(v / idle.tabsOpen / idleMin) : null
      const measuredS = (m1.atMs - m0.atMs) / 1000
      const mergeCodes = (...all: Record<string, number>[]) => {
        const out: Record<string, number> = {}
        for (const r of all) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v
        return out
      }
      const unexpectedCloses =
        connectPhase.unexpectedCloses + idle.unexpectedCloses + active.unexpectedCloses
      const loopLag = Math.max(connectPhase.loopLagMaxMs, idle.loopLagMaxMs, active.loopLagMaxMs)
      const row: CapacityStepRow = {
        target,
        tabs,
        passed: false,
        connect: {
          added: addRooms * o.roomSize,
          failed,
          seconds: round((connectedAt - s0.atMs) / 1000),
          settled,
          settleSeconds: round((s1.atMs - connectedAt) / 1000),
          missing,
          latency: connectPhase.connect.summaryMs(),
          cpu: cpuFigures(s0, s1, cores),
          generatorLoopLagMaxMs: round(connectPhase.loopLagMaxMs),
        },
        latency: active.latency.summaryMs(),
        changesPerSec: round(active.changesSent / measuredS),
        deliveriesPerSec: round(active.changeDeliveries / measuredS),
        crossNodeShare:
          active.changeDeliveries > 0
            ? round(active.crossNodeDeliveries / active.changeDeliveries, 3)
            : null,
        cpu: cpuFigures(m0, m1, cores),
        memory: {
          relaysRssMB: round(relaysRss / MB),
          relayRssPerTabKB: tabs > 0 ? round(relaysRss / 1024 / tabs, 2) : null,
          relayRssPerTabAboveBaselineKB:
            tabs > 0 ? round((relaysRss - baselineRelayRss) / 1024 / tabs, 2) : null,
          redisRssMB: round((m1.redis ?? EMPTY).rssBytes / MB),
          generatorsRssMB: round(sumRss(m1.generators) / MB),
          machineAvailableMB: Math.round(mem1.availableBytes / MB),
        },
        idle: {
          seconds: round(idleMin * 60),
          upBytesPerTabMin: perTabMin(idle.bytesTx),
          downBytesPerTabMin: perTabMin(idle.bytesRx),
          upFramesPerTabMin: perTabMin(idle.framesTx),
          downFramesPerTabMin: perTabMin(idle.framesRx),
          cpu: cpuFigures(i0, i1, cores),
        },
        bus: {
          messagesOutPerSec: round(
            (busAfter.busMessagesOut - busBefore.busMessagesOut) / measuredS,
          ),
          bytesOutPerSec: Math.round((busAfter.busBytesOut - busBefore.busBytesOut) / measuredS),
        },
        nodes: { connections: busAfter.connections, refusals: busAfter.refusals },
        errors: {
          connectFailures: failed,
          connectErrors: mergeCodes(
            connectPhase.connectErrors,
            idle.connectErrors,
            active.connectErrors,
          ),
          unexpectedCloses,
          closeCodes: mergeCodes(connectPhase.closeCodes, idle.closeCodes, active.closeCodes),
          deadProcesses: dead,
        },
        generatorLoopLagMaxMs: round(loopLag),
      }
      const p99 = row.latency.p99Ms ?? Number.POSITIVE_INFINITY
      const stop: StopReason | null =
        dead.length > 0
          ? 'process-exited'
          : failed > 0
            ? 'connect-failures'
            : !settled
              ? 'settle-timeout'
              : unexpectedCloses > 0
                ? 'unexpected-closes'
                : p99 > o.p99LimitMs
                  ? 'p99'
                  : mem1.availableBytes < MEMORY_RESERVE_BYTES
                    ? 'memory'
                    : null
      rows.push(stop === null ? { ...row, passed: true } : row)
      o.log(`step ${target}: ${formatRow(rows.at(-1)!)}`)
      if (stop !== null) {
        stoppedBy = stop
        const d =
          stop === 'process-exited'
            ? { limit: 'unknown' as Limit, detail: `exited: ${dead.join(', ')}` }
            : diagnose(row, stop, cores)
        limitedBy = d.limit
        limitDetail = d.detail
        break
      }
    }
  } catch (error) {
    stoppedBy = 'error'
    limitedBy = 'unknown'
    limitDetail = (error as Error).stack ?? String(error)
    o.log(`error: ${limitDetail}`)
  } finally {
    o.log('stopping generators, relay nodes and Redis ...')
    await pool?.close().catch(() => {})
    await Promise.all(nodes.map((n) => n.stop().catch(() => {})))
    await redis?.stop().catch(() => {})
    killAllChildren()
    live.delete(pids)
    if (live.size === 0) process.off('exit', killAllChildren)
  }

  const passed = rows.filter((r) => r.passed)
  const { log: _log, out: _out, ...options } = o
  const result: ClusterCapacityResult = {
    date: new Date().toISOString(),
    machine: {
      cpus: cores,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      fdLimit,
      ephemeralPorts: ports,
    },
    options: { ...options, steps },
    nodes: K,
    generators: G,
    sourceAddresses: addresses.length,
    heartbeatMs: behaviour.heartbeatMs,
    steps: rows,
    reached: passed.at(-1)?.tabs ?? 0,
    stoppedBy,
    limitedBy,
    limitDetail,
    projection: project(rows, cores, K, G, fdLimit),
  }
  if (o.out !== null) {
    mkdirSync(dirname(o.out), { recursive: true })
    writeFileSync(o.out, `${JSON.stringify(result, null, 2)}\n`)
    o.log(`wrote ${o.out}`)
  }
  return result
}

const n = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined ? '-' : String(round(v, digits))

function formatRow(r: CapacityStepRow): string {
  return (
    `${r.tabs} tabs, p50 ${n(r.latency.p50Ms)} ms, p99 ${n(r.latency.p99Ms)} ms, ` +
    `cross-node ${n((r.crossNodeShare ?? Number.NaN) * 100)} %, ` +
    `relays ${n(r.memory.relayRssPerTabKB)} KB/tab, CPU relays ${r.cpu.relaysPercent} % ` +
    `(max node ${r.cpu.relayNodeMaxPercent} %), Redis ${r.cpu.redisPercent} %, ` +
    `generators ${r.cpu.generatorsPercent} %, machine ${r.cpu.machinePercent} %`
  )
}

/** The per-step table and the verdict, as printed by `pnpm bench:capacity`. */
export function formatClusterCapacity(r: ClusterCapacityResult): string {
  const head = [
    'tabs',
    'settled',
    'p50 ms',
    'p99 ms',
    'cross-node',
    'relay KB/tab',
    'Redis MB',
    'relays CPU % (max node)',
    'Redis CPU %',
    'gen CPU %',
    'machine CPU %',
    'idle B/tab/min up/down',
    'connect fail',
    'closes (codes)',
    'gen stall ms',
  ]
  const lines = [
    `## Capacity across nodes (${r.nodes} relay nodes, ${r.generators} generators, Redis; ${r.machine.cpus} cores)`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
  ]
  for (const s of r.steps) {
    const codes = Object.entries(s.errors.closeCodes)
      .map(([c, k]) => `${c}x${k}`)
      .join(' ')
    lines.push(
      `| ${[
        `${s.tabs}${s.passed ? '' : ' ✗'}`,
        s.connect.settled
          ? `yes (${s.connect.seconds + s.connect.settleSeconds} s)`
          : `no (${s.connect.missing} short)`,
        n(s.latency.p50Ms),
        n(s.latency.p99Ms),
        s.crossNodeShare === null ? '-' : `${round(s.crossNodeShare * 100)} %`,
        n(s.memory.relayRssPerTabKB),
        n(s.memory.redisRssMB),
        `${s.cpu.relaysPercent} (${s.cpu.relayNodeMaxPercent})`,
        n(s.cpu.redisPercent),
        n(s.cpu.generatorsPercent),
        `${s.cpu.machinePercent} / ${s.cpu.capacityPercent}`,
        `${n(s.idle.upBytesPerTabMin, 0)} / ${n(s.idle.downBytesPerTabMin, 0)}`,
        String(s.errors.connectFailures),
        `${s.errors.unexpectedCloses}${codes ? ` (${codes})` : ''}`,
        n(s.generatorLoopLagMaxMs, 0),
      ].join(' | ')} |`,
    )
  }
  const p = r.projection
  lines.push(
    '',
    `Reached: ${r.reached} tabs with every check passed. Stopped by: ${r.stoppedBy}` +
      (r.limitedBy ? `; limited by: ${r.limitedBy} (${r.limitDetail.split('\n')[0]})` : ''),
    `Projection: ${p.tabs ?? '-'} tabs on this machine, bound by ${p.boundBy ?? '-'} ` +
      `(CPU of the bench ${p.cpuBench ?? '-'}, relays + Redis alone ${p.cpuRelaysAndRedis ?? '-'}, ` +
      `busiest node ${p.busiestNodeCpu ?? '-'}, Redis ${p.redisCpu ?? '-'}, memory ${p.memory ?? '-'}, ` +
      `open files ${p.fdLimit}); ${p.method}.`,
    `Idle traffic measured in an idle window per step (changes off), not derived from the change window.`,
    '',
  )
  return lines.join('\n')
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string' },
      nodes: { type: 'string' },
      generators: { type: 'string' },
      'measure-ms': { type: 'string' },
      'idle-ms': { type: 'string' },
      'settle-timeout-ms': { type: 'string' },
      'p99-limit-ms': { type: 'string' },
      'connect-concurrency': { type: 'string' },
      out: { type: 'string' },
    },
  })
  const fail = (message: string): never => {
    process.stderr.write(`bench:capacity: ${message}\n`)
    process.exit(2)
  }
  const int = (v: string | undefined, name: string): number | undefined => {
    if (v === undefined) return undefined
    const x = Number(v)
    if (!Number.isInteger(x) || x <= 0) fail(`--${name} must be a positive integer`)
    return x
  }
  const steps =
    values.steps === undefined
      ? DEFAULT_OPTIONS.steps
      : values.steps.split(',').map((s) => int(s.trim(), 'steps')!)
  const log = (line: string) => process.stderr.write(`bench:capacity: ${line}\n`)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      log(`${signal}: killing every child process`)
      killAllChildren()
      process.exit(130)
    })
  }
  const result = await runClusterCapacity({
    ...DEFAULT_OPTIONS,
    steps,
    nodes: int(values.nodes, 'nodes'),
    generators: int(values.generators, 'generators'),
    measureMs: int(values['measure-ms'], 'measure-ms') ?? DEFAULT_OPTIONS.measureMs,
    idleMs: int(values['idle-ms'], 'idle-ms') ?? DEFAULT_OPTIONS.idleMs,
    settleTimeoutMs:
      int(values['settle-timeout-ms'], 'settle-timeout-ms') ?? DEFAULT_OPTIONS.settleTimeoutMs,
    p99LimitMs: int(values['p99-limit-ms'], 'p99-limit-ms') ?? DEFAULT_OPTIONS.p99LimitMs,
    connectConcurrency:
      int(values['connect-concurrency'], 'connect-concurrency') ??
      DEFAULT_OPTIONS.connectConcurrency,
    out:
      values.out ??
      join(REPO_ROOT, 'bench', 'results', `capacity-${new Date().toISOString().slice(0, 10)}.json`),
    log,
  })
  process.stdout.write(formatClusterCapacity(result))
  process.exitCode = result.stoppedBy === 'error' ? 1 : 0
}
