/**
 * createRelay: the relay's parts, wired in one place. A socket layer (transport/: Node's HTTP
 * server with `ws`, or uWebSockets.js with `transport: 'uws'`) carries upgrade requests and bytes; the upgrade gate (access/) decides who
 * gets in; admitted sockets become connections (core/relay-connections.ts) in rooms
 * (core/room-registry.ts), whose committed changes reach the mailbox summaries and, in cluster
 * mode, the other nodes (relay-wiring.ts); one sweep keeps it all alive (core/liveness.ts).
 * `GET /healthz`, `/readyz` and `/metrics` are answered on the same port (ops/http-routes.ts).
 * Everything lives on the returned handle (no module-level state), so several relays can run
 * in one process.
 */
import { hostname } from 'node:os'
import { CloseCode } from '@sightline/protocol'
import { type Logger, pino } from 'pino'
import type { Registry } from 'prom-client'
import { FailureBudget } from './access/failure-budget.js'
import { createTokenVerifier } from './access/tokens.js'
import { createUpgradeGate } from './access/upgrade-gate.js'
import { Cluster } from './cluster/cluster.js'
import { type RelayOptions, resolveOptions } from './config/options.js'
import { startSweep, sweep } from './core/liveness.js'
import { MailboxSummaries } from './core/mailbox-summaries.js'
import { RelayConnections } from './core/relay-connections.js'
import { RoomRegistry } from './core/room-registry.js'
import type { HttpRoutes } from './ops/http-routes.js'
import { createRelayMetrics, type RelayMetrics } from './ops/metrics.js'
import { RefusalLog } from './ops/refusal-log.js'
import { relayVersion } from './ops/version.js'
import { RefusalReason } from './refusal.js'
import { wireRooms } from './relay-wiring.js'
import { type TransportOptions, urlHost } from './transport/transport.js'
import { startWsTransport } from './transport/ws-transport.js'

export interface RelayStats {
  readonly rooms: number
  readonly connections: number
}

export interface RelayHandle {
  /** `ws://<host>:<port>`, no trailing slash. */
  readonly url: string
  /** `http://<host>:<port>`, no trailing slash. */
  readonly httpUrl: string
  readonly port: number
  /** `http://<host>:<port>` of the server answering `/metrics` (this one unless `metricsPort`). */
  readonly metricsUrl: string
  /** This relay's own Prometheus registry (served at `/metrics`). */
  readonly metrics: Registry
  stats(): RelayStats
  /** Closes every socket (default code 1012, "relay restarting") and the server. */
  close(options?: { code?: number }): Promise<void>
}

/** How long an orderly close waits for close handshakes before dropping sockets (ms). */
const CLOSE_GRACE_MS = 1000

/**
 * The epoch of a node's start on the bus: its start time in ms times 1000 plus a random
 * 0..999, so it still rises across restarts (a restart takes more than a millisecond) and two
 * processes started with the same node id in the same millisecond still differ (which is how
 * a duplicate node id is detected). Below 2^53 until the year 2255 (the bus writes a varUint).
 */
export function startEpoch(nowMs: number = Date.now()): number {
  return nowMs * 1000 + Math.floor(Math.random() * 1000)
}

/**
 * The socket layer refuses (1009) messages over this many times `maxFrameBytes` before
 * buffering them; between the two the relay's own check closes with 4413.
 */
const PAYLOAD_BACKSTOP = 2

/** Starts a relay. Rejects with RelayError `config` when the options are invalid. */
export async function createRelay(partial: Partial<RelayOptions> = {}): Promise<RelayHandle> {
  const options = resolveOptions(partial)
  const log = options.logger ?? pino({ level: 'silent' })
  const verifier = await createTokenVerifier(options)
  const core = await startCore(options, log)
  const life = { closing: false }
  const gate = createUpgradeGate({ ...core, options, verifier, log, closing: () => life.closing })
  const { http, metricsHttp } = httpRoutes(options, core.metrics, () => {
    if (life.closing) return 'draining'
    return core.cluster === null ? null : clusterUnready(core.cluster)
  })
  // uWebSockets.js is an optional peer dependency: loaded only when asked for.
  const startTransport =
    options.transport === 'uws'
      ? await loadUwsTransport().catch(async (error: unknown) => {
          await stopCore(core)
          throw error
        })
      : startWsTransport
  const transport = await startTransport(transportOptions(options), {
    ...gate,
    http,
    metricsHttp,
  }).catch(async (error: unknown) => {
    await stopCore(core)
    throw error
  })
  transport.onError((error) => log.error({ err: error }, 'server error'))
  const { connections, rooms, cluster, refusals, failures } = core
  const stopSweep = startSweep(() => {
    sweep(connections.live, rooms.values(), options)
    cluster?.tick()
    refusals.tick()
    failures.prune()
  }, options.sweepIntervalMs)
  const host = urlHost(options.host)
  return {
    url: `ws://${host}:${transport.port}`,
    httpUrl: `http://${host}:${transport.port}`,
    port: transport.port,
    metricsUrl: transport.metricsUrl,
    metrics: core.metrics.registry,
    stats: () => ({ rooms: rooms.size, connections: connections.live.size }),
    async close({ code = CloseCode.Restarting } = {}) {
      if (life.closing) return
      life.closing = true
      stopSweep()
      // One goodbye removes this node's tabs from every other node at once.
      await core.cluster?.close()
      // Refusals in flight are closed by the gate; every admitted socket gets the code.
      const closed = connections.closeAll(RefusalReason.RelayClosing, code as CloseCode)
      await Promise.race([closed, delay(CLOSE_GRACE_MS)])
      transport.terminateAll()
      await transport.close()
      await stopCore(core)
      log.info({ code }, 'relay closed')
    },
  }
}

/** The relay's parts behind its socket layer. */
interface RelayCore {
  readonly summaries: MailboxSummaries
  readonly rooms: RoomRegistry
  readonly cluster: Cluster | null
  readonly metrics: RelayMetrics
  readonly connections: RelayConnections
  /** Refusal log lines, one per reason and interval plus a summary (ops/refusal-log.ts). */
  readonly refusals: RefusalLog
  /** Failed admissions per client address (access/failure-budget.ts). */
  readonly failures: FailureBudget
}

/** Rooms, their listeners (relay-wiring.ts), connections and metrics; joins the cluster. */
async function startCore(options: RelayOptions, log: Logger): Promise<RelayCore> {
  const summaries = new MailboxSummaries()
  const rooms = new RoomRegistry(options)
  const parts: { cluster: Cluster | null; connections: RelayConnections | null } = {
    cluster: null,
    connections: null,
  }
  const metrics = createRelayMetrics({
    stats: () => ({
      rooms: rooms.size,
      connections: parts.connections?.live.size ?? 0,
      held: parts.connections?.heldCount() ?? 0,
    }),
    awarenessStates: () => {
      let n = 0
      for (const room of rooms.values()) n += room.awareness.liveCount
      return n
    },
    bus: () => ({
      connected: parts.cluster?.ready === true,
      peers: parts.cluster?.peers ?? 0,
      duplicateNodeId: parts.cluster?.duplicateNodeId === true,
    }),
    version: relayVersion(),
  })
  // Cluster mode: the cluster needs the registry, so the registry is observed once it exists.
  const cluster =
    options.redisUrl === undefined
      ? null
      : await startCluster(options, options.redisUrl, rooms, log, metrics)
  rooms.observe(wireRooms(summaries, cluster))
  const refusals = new RefusalLog({ log })
  const connections = new RelayConnections({
    rooms,
    options,
    log,
    metrics: aggregatedRefusals(metrics, refusals),
  })
  parts.cluster = cluster
  parts.connections = connections
  const failures = new FailureBudget()
  return { summaries, rooms, cluster, metrics, connections, refusals, failures }
}

/** Stops what the core runs by itself (timers, monitors, the cluster's bus). */
async function stopCore(core: RelayCore): Promise<void> {
  core.summaries.stop()
  await core.cluster?.close()
  core.metrics.stop()
  core.refusals.flush()
}

function transportOptions(options: RelayOptions): TransportOptions {
  return {
    port: options.port,
    host: options.host,
    metricsPort: options.metricsPort,
    metricsHost: options.metricsHost,
    maxPayload: options.maxFrameBytes * PAYLOAD_BACKSTOP,
    handshakeTimeoutMs: options.handshakeTimeoutMs,
    trustProxy: options.trustProxy,
  }
}

/**
 * What connections report to: the relay's metrics, with every refusal counted and its log
 * line aggregated (one per reason and interval, ops/refusal-log.ts).
 */
function aggregatedRefusals(metrics: RelayMetrics, refusals: RefusalLog): RelayMetrics {
  return {
    ...metrics,
    refused(reason, addr, logLine) {
      metrics.refused(reason)
      if (logLine !== undefined && refusals.note('closed', reason, addr)) logLine()
    },
  }
}

/**
 * The HTTP routes: `/readyz` turns 503 (with the reason) as soon as close() begins, and in
 * cluster mode while the bus is down or another live node uses this node's id; `/metrics`
 * moves to its own port if asked.
 */
function httpRoutes(
  options: RelayOptions,
  metrics: RelayMetrics,
  unready: () => string | null,
): { http: HttpRoutes; metricsHttp: HttpRoutes } {
  const ownPort = options.metricsPort !== undefined
  return {
    http: { unready, metrics: ownPort ? null : metrics.registry },
    metricsHttp: { unready, metrics: metrics.registry },
  }
}

/** Why a cluster node is not ready, or null. */
function clusterUnready(cluster: Cluster): string | null {
  if (!cluster.ready) return 'bus disconnected'
  if (cluster.duplicateNodeId) return 'duplicate node id: another live node uses this one'
  return null
}

/** Joins the cluster (cluster mode): the bus over Redis at `redisUrl`, observing `rooms`. */
async function startCluster(
  options: RelayOptions,
  redisUrl: string,
  rooms: RoomRegistry,
  log: Logger,
  metrics: RelayMetrics,
): Promise<Cluster> {
  const nodeId = options.nodeId ?? `${hostname()}-${process.pid}`
  // Loaded only in cluster mode: ioredis is a sixth of the relay's start-up module loading.
  const { createRedisTransport } = await import('./cluster/redis-transport.js')
  const nodeLog = log.child({ node: nodeId })
  return new Cluster({
    nodeId,
    epoch: startEpoch(),
    prefix: options.redisPrefix,
    nodeTimeoutMs: options.nodeTimeoutMs,
    transport: createRedisTransport(redisUrl, nodeLog),
    rooms,
    log: nodeLog,
    metrics,
  })
}

/** The uws socket layer, loaded (with uWebSockets.js) only when the relay is started with it. */
async function loadUwsTransport(): ReturnType<
  typeof import('./transport/uws-transport.js').loadUwsTransport
> {
  const { loadUwsTransport: load } = await import('./transport/uws-transport.js')
  return load()
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
