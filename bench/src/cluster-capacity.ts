/**
 * `pnpm bench:capacity`: how many agent tabs several relay nodes sharing rooms through Redis
 * hold on this one machine, step by step, and what stops them (docs/performance.md, "Capacity
 * across nodes").
 *
 * Starts its own redis-server (loopback, no persistence), K relay nodes (the built CLI, each
 * with SIGHTLINE_REDIS_URL, its own SIGHTLINE_NODE_ID and SIGHTLINE_TRANSPORT from
 * `--transport`) and G load generators (generator.ts).
 * Each tab connects to a node picked per tab (a hash of its client ID), whatever its room, as
 * a load balancer would (`--routing mailbox`: a hash of the room's mailbox, as docs/scale-out.md
 * recommends); a generator owns whole rooms, so it knows on which node each sender
 * and each receiver is, and counts the deliveries that crossed nodes. Tabs behave as in the
 * steady workload: rooms of 5, the Sightline heartbeat of the other workloads
 * (`presenceBehaviour`), one activity change per tab per 30 s.
 *
 * At each step (cumulative tab counts): add tabs (bounded connect concurrency), wait until
 * every tab sees its room-mates (bounded), measure an idle window (changes off: idle traffic
 * per tab), then a window with changes on (latency, cross-node share, CPU, memory). Stops at
 * the last step or when the machine stops it, and says what limited it. The report gives the
 * CPU of relays + Redis apart from the generators' (per 10,000 tabs, and the projection for
 * relays + Redis alone: the load generated on other machines).
 *
 * The generators are kept cheap per tab (one 50 ms ticker per generator, no timer per tab;
 * frames written whole to the socket, the fixed ones built once; the server's frames read
 * without ws's receiver: tab.ts, tab-wire.ts), so that on one machine they take as little as
 * possible of the CPU the relays are measured with.
 *
 *   pnpm bench:capacity --transport uws --steps 20000,40000,60000,80000,100000
 *
 *   --steps 20000,40000,60000,80000,100000   cumulative tab counts
 *   --nodes <K>              relay nodes (default: top step / 18,000 sockets, rounded up)
 *   --generators <G>         load generators (default likewise)
 *   --measure-ms <ms>        window with changes on, per step (default 30000)
 *   --idle-ms <ms>           idle window per step (default 15000, one relay refresh period)
 *   --settle-timeout-ms <ms> (default 120000)
 *   --p99-limit-ms <ms>      stop when a step's p99 passes this (default 1000)
 *   --connect-concurrency <n> sockets connecting at once, over all generators (default 256)
 *   --transport ws|uws       the relay nodes' socket layer, SIGHTLINE_TRANSPORT (default ws;
 *                            uws: uWebSockets.js, less CPU and memory per connection)
 *   --routing tab|mailbox    how tabs reach nodes: tab, any node for any tab (default);
 *                            mailbox, every room of a mailbox on one node (docs/scale-out.md)
 *   --out <file>             JSON (default bench/results/capacity-<YYYY-MM-DD>.json)
 *
 * The parts, under cluster-capacity/: options.ts (options, bounds), topology.ts (the processes
 * and their kill on exit), load.ts (a step's three phases), sampling.ts and machine.ts (CPU,
 * memory), node-metrics.ts (the nodes' /metrics), row.ts (a step's figures), checks.ts (when to
 * stop, what limited it), projection.ts, report.ts (the table), result.ts (the JSON's shape).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import {
  type ClusterCapacityOptions,
  DEFAULT_OPTIONS,
  TRANSPORTS,
  type Transport,
} from './cluster-capacity/options.js'
import { project } from './cluster-capacity/projection.js'
import { formatClusterCapacity } from './cluster-capacity/report.js'
import type { CapacityStepRow, ClusterCapacityResult, Verdict } from './cluster-capacity/result.js'
import { runSteps } from './cluster-capacity/steps.js'
import {
  killAllChildren,
  planRun,
  type RunPlan,
  startTopology,
  stopProcesses,
  trackProcesses,
} from './cluster-capacity/topology.js'
import { ROUTINGS, type Routing } from './generator-protocol.js'
import { REPO_ROOT } from './servers.js'

export {
  type ClusterCapacityOptions,
  DEFAULT_OPTIONS,
  processesFor,
  SOCKETS_PER_PROCESS,
  TRANSPORTS,
  type Transport,
} from './cluster-capacity/options.js'
export { formatClusterCapacity } from './cluster-capacity/report.js'
export type {
  CapacityStepRow,
  ClusterCapacityResult,
  CpuFigures,
  Limit,
  Projection,
  StopReason,
} from './cluster-capacity/result.js'
export { killAllChildren } from './cluster-capacity/topology.js'

export async function runClusterCapacity(
  o: ClusterCapacityOptions,
): Promise<ClusterCapacityResult> {
  const plan = await planRun(o)
  o.log(
    `${plan.nodes} relay nodes (transport ${plan.transport}, routing by ${plan.routing}), ${plan.generators} generators, ${plan.addresses.length} source addresses, ` +
      `steps ${plan.steps.join(', ')}; heartbeat ${plan.behaviour.heartbeatMs} ms, ` +
      `a change per tab every ${o.changeMs} ms`,
  )
  const processes = trackProcesses()
  const rows: CapacityStepRow[] = []
  let verdict: Verdict
  try {
    const topology = await startTopology(processes, plan, o.relayEnv)
    verdict = await runSteps({ o, plan, topology }, rows)
  } catch (error) {
    const limitDetail = (error as Error).stack ?? String(error)
    verdict = { stoppedBy: 'error', limitedBy: 'unknown', limitDetail }
    o.log(`error: ${limitDetail}`)
  } finally {
    o.log('stopping generators, relay nodes and Redis ...')
    await stopProcesses(processes)
  }
  const result = resultOf(o, plan, rows, verdict)
  if (o.out !== null) {
    mkdirSync(dirname(o.out), { recursive: true })
    writeFileSync(o.out, `${JSON.stringify(result, null, 2)}\n`)
    o.log(`wrote ${o.out}`)
  }
  return result
}

function resultOf(
  o: ClusterCapacityOptions,
  plan: RunPlan,
  rows: readonly CapacityStepRow[],
  verdict: Verdict,
): ClusterCapacityResult {
  const passed = rows.filter((r) => r.passed)
  const { log: _log, out: _out, ...options } = o
  return {
    date: new Date().toISOString(),
    machine: {
      cpus: plan.cores,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      fdLimit: plan.fdLimit,
      ephemeralPorts: plan.ports,
    },
    options: { ...options, steps: plan.steps },
    nodes: plan.nodes,
    transport: plan.transport,
    routing: plan.routing,
    generators: plan.generators,
    sourceAddresses: plan.addresses.length,
    heartbeatMs: plan.behaviour.heartbeatMs,
    steps: rows,
    reached: passed.at(-1)?.tabs ?? 0,
    stoppedBy: verdict.stoppedBy,
    limitedBy: verdict.limitedBy,
    limitDetail: verdict.limitDetail,
    projection: project(rows, plan.cores, plan.nodes, plan.generators, plan.fdLimit),
  }
}

/** The options the command line gives (exits with 2 on a bad value). */
function optionsFromArgs(log: (line: string) => void): ClusterCapacityOptions {
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
      transport: { type: 'string' },
      routing: { type: 'string' },
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
  const transport = (values.transport ?? DEFAULT_OPTIONS.transport) as Transport
  if (!TRANSPORTS.includes(transport)) fail(`--transport must be one of ${TRANSPORTS.join(', ')}`)
  const routing = (values.routing ?? DEFAULT_OPTIONS.routing) as Routing
  if (!ROUTINGS.includes(routing)) fail(`--routing must be one of ${ROUTINGS.join(', ')}`)
  const steps =
    values.steps === undefined
      ? DEFAULT_OPTIONS.steps
      : values.steps.split(',').map((s) => int(s.trim(), 'steps')!)
  return {
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
    transport,
    routing,
    out:
      values.out ??
      join(REPO_ROOT, 'bench', 'results', `capacity-${new Date().toISOString().slice(0, 10)}.json`),
    log,
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const log = (line: string) => process.stderr.write(`bench:capacity: ${line}\n`)
  const options = optionsFromArgs(log)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      log(`${signal}: killing every child process`)
      killAllChildren()
      process.exit(130)
    })
  }
  const result = await runClusterCapacity(options)
  process.stdout.write(formatClusterCapacity(result))
  process.exitCode = result.stoppedBy === 'error' ? 1 : 0
}
