/**
 * createRelay: a Node HTTP server that upgrades `/<room>?token=<jwt>` to a WebSocket speaking
 * the y-websocket protocol, and answers `GET /healthz`, `/readyz` and `/metrics` (see
 * http-routes.ts). Everything lives on the returned
 * handle (no module-level state), so several relays can run in one process.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { hostname } from 'node:os'
import type { Duplex } from 'node:stream'
import { CloseCode, SIGHTLINE_SUBPROTOCOL, type SightlineClaims } from '@sightline/protocol'
import { pino } from 'pino'
import type { Registry } from 'prom-client'
import { type WebSocket, WebSocketServer } from 'ws'
import { admit } from './access/admission.js'
import { checkCapacity, SubjectCounts } from './access/capacity.js'
import { type ClientAddress, clientAddress } from './access/client-address.js'
import {
  ADDRESS_RATE_LIMITED,
  FailureBudget,
  RATE_LIMITED_RESPONSE,
} from './access/failure-budget.js'
import { guardHandshakes } from './access/handshake-timeout.js'
import { createOriginCheck } from './access/origin.js'
import { createTokenVerifier } from './access/tokens.js'
import { Cluster } from './cluster/cluster.js'
import { type RelayOptions, resolveOptions } from './config/options.js'
import { Connection } from './core/connection.js'
import { startSweep, sweep } from './core/liveness.js'
import { MailboxSummaries } from './core/mailbox-summaries.js'
import { observers, RoomRegistry } from './core/room-registry.js'
import { WriteCoalescer } from './core/write-coalescer.js'
import { httpHandler } from './ops/http-routes.js'
import { createRelayMetrics, type RelayMetrics } from './ops/metrics.js'
import { RefusalLog } from './ops/refusal-log.js'
import { relayVersion } from './ops/version.js'
import { closeCodeOf, closeReasonOf, RefusalReason } from './refusal.js'

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
 * A refused socket whose peer does not answer the close frame within this (ms) is destroyed
 * (ws would wait 30 s): a refusal must not hold relay resources.
 */
export const REFUSED_CLOSE_WAIT_MS = 1000

/** How often (ms) Node checks HTTP requests against their timeout (Node's default: 30 s). */
const REQUEST_CHECK_INTERVAL_MS = 1000

/** The answer to an upgrade refused before it is taken (too many pending): no WebSocket. */
const BUSY_RESPONSE =
  'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'

/** Refusals of these reasons are the client's fault: each takes from its address's budget. */
const FAILED_ADMISSIONS: ReadonlySet<string> = new Set([
  RefusalReason.BadToken,
  RefusalReason.BadRoom,
  RefusalReason.Origin,
  RefusalReason.RoomNotGranted,
])

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
 * `ws` refuses (1009) messages over this many times `maxFrameBytes` before buffering them;
 * between the two the relay's own check closes with 4413.
 */
const WS_PAYLOAD_BACKSTOP = 2

/** Starts a relay. Rejects with RelayError `config` when the options are invalid. */
export async function createRelay(partial: Partial<RelayOptions> = {}): Promise<RelayHandle> {
  const options = resolveOptions(partial)
  const log = options.logger ?? pino({ level: 'silent' })
  const verifier = await createTokenVerifier(options)
  const summaries = new MailboxSummaries()
  // Cluster mode: the registry exists before the cluster that observes it, so the observer
  // is looked up late.
  let cluster: Cluster | null = null
  const rooms = new RoomRegistry(
    options,
    observers(summaries, {
      hooksFor: (name) => cluster?.hooksFor(name) ?? {},
      created: (room) => cluster?.created(room),
      deleted: (room) => cluster?.deleted(room),
      keeps: (room) => cluster?.keeps(room) ?? true,
    }),
  )
  const connections = new Set<Connection>()
  /**
   * Admitted connections not yet released by their room: open ones plus abrupt leavers
   * whose states are held through the removal grace. Budgets count these.
   */
  let held = 0
  /** Sockets between their upgrade request and admission or destruction. */
  let pending = 0
  const coalescer = new WriteCoalescer()
  const subjects = new SubjectCounts()
  const originAllowed = createOriginCheck(options)
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxFrameBytes * WS_PAYLOAD_BACKSTOP,
    // A client passing its token as a subprotocol offers `sightline` too: answer with that
    // one (never the token); browsers fail a socket whose offered protocols get no answer.
    handleProtocols: (protocols) =>
      protocols.has(SIGHTLINE_SUBPROTOCOL) ? SIGHTLINE_SUBPROTOCOL : false,
  })
  let nextId = 0
  let closing = false
  const metrics = createRelayMetrics({
    stats: () => ({ rooms: rooms.size, connections: connections.size }),
    awarenessStates: () => {
      let n = 0
      for (const room of rooms.values()) n += room.awareness.liveCount
      return n
    },
    bus: () => ({
      connected: cluster?.ready === true,
      peers: cluster?.peers ?? 0,
      duplicateNodeId: cluster?.duplicateNodeId === true,
    }),
    version: relayVersion(),
  })
  /** Refusal log lines, one per reason and interval plus a summary (ops/refusal-log.ts). */
  const refusals = new RefusalLog({ log })
  /** Failed admissions per client address (access/failure-budget.ts). */
  const failures = new FailureBudget()
  /** What connections report to: every refusal counted, its log line aggregated. */
  const connectionMetrics: RelayMetrics = {
    ...metrics,
    refused(reason, addr, logLine) {
      metrics.refused(reason)
      if (logLine !== undefined && refusals.note('closed', reason, addr)) logLine()
    },
  }
  if (options.redisUrl !== undefined) {
    const nodeId = options.nodeId ?? `${hostname()}-${process.pid}`
    // Loaded only in cluster mode: ioredis is a sixth of the relay's start-up module loading.
    const { createRedisTransport } = await import('./cluster/redis-transport.js')
    cluster = new Cluster({
      nodeId,
      epoch: startEpoch(),
      prefix: options.redisPrefix,
      nodeTimeoutMs: options.nodeTimeoutMs,
      transport: createRedisTransport(options.redisUrl, log.child({ node: nodeId })),
      rooms,
      log: log.child({ node: nodeId }),
      metrics,
    })
  }

  /** A connection has left its room (one function for all: no closure per connection). */
  const onGone = (c: Connection) => {
    connections.delete(c)
  }
  /** Its room let go of it (after the removal grace, if it left abruptly with states). */
  const onReleased = (c: Connection) => {
    held--
    subjects.remove(c.subject)
  }
  /**
   * Admits an upgraded socket. Out here, not inline in the upgrade handler: a closure made
   * there would keep the request (URL with token, headers) alive as long as the connection.
   */
  const open = (
    ws: WebSocket,
    id: string,
    room: string,
    claims: SightlineClaims,
    peer: ClientAddress,
  ) => {
    subjects.add(claims.sub)
    held++
    const { sub, name, avatar, exp } = claims
    const connection = new Connection({
      id,
      ws,
      roomName: room,
      // The granted room patterns were checked at admission: not kept per connection.
      claims: avatar === undefined ? { sub, name, exp } : { sub, name, avatar, exp },
      peer,
      rooms,
      log,
      limits: options,
      metrics: connectionMetrics,
      coalescer,
      onGone,
      onReleased,
    })
    connections.add(connection)
    metrics.admitted()
    // One info line per admitted socket (conn, room, sub, addr): what an abuse report or a
    // support question starts from. About 200 bytes per connection, not per frame.
    if (log.isLevelEnabled('info')) connection.log.info('connected')
  }

  /** The one place a socket is refused right after its upgrade (the code reaches browsers). */
  const refuse = (
    ws: WebSocket,
    fields: { conn: string; room?: string | undefined; detail?: string } & ClientAddress,
    reason: RefusalReason,
  ) => {
    const code = closeCodeOf(reason)
    if (FAILED_ADMISSIONS.has(reason)) failures.failed(fields.addr)
    if (refusals.note('refused', reason, fields.addr)) {
      log.info({ ...fields, code, reason }, 'refused')
    }
    metrics.refused(reason)
    metrics.closeSent(code)
    ws.close(code, closeReasonOf(reason, code))
    setTimeout(() => ws.terminate(), REFUSED_CLOSE_WAIT_MS).unref()
  }
  /** The one place a socket is dropped before its upgrade completed (no close code possible). */
  const dropHandshake = (socket: Duplex, reason: RefusalReason) => {
    const addr = (socket as Duplex & { remoteAddress?: string }).remoteAddress
    // Behind a proxy the socket's address is the proxy's: charging it would lock everyone out.
    if (!options.trustProxy) failures.failed(addr)
    if (refusals.note('refused', reason, addr)) log.info({ reason, addr }, 'dropped before upgrade')
    metrics.refused(reason)
    socket.destroy()
  }

  // /readyz turns 503 (with the reason) as soon as close() begins, and in cluster mode while
  // the bus is down or another live node uses this node's id; /metrics moves to its own
  // server if asked.
  const unready = (): string | null => {
    if (closing) return 'draining'
    if (cluster === null) return null
    if (!cluster.ready) return 'bus disconnected'
    if (cluster.duplicateNodeId) return 'duplicate node id: another live node uses this one'
    return null
  }
  const ownMetricsServer = options.metricsPort !== undefined
  // Every request, body included, must be complete within the handshake timeout; Node checks
  // that only every `connectionsCheckingInterval`, so it is shortened from its 30 s default.
  const serverOptions = {
    requestTimeout: options.handshakeTimeoutMs,
    headersTimeout: options.handshakeTimeoutMs,
    connectionsCheckingInterval: Math.min(REQUEST_CHECK_INTERVAL_MS, options.handshakeTimeoutMs),
  }
  const server = createServer(
    serverOptions,
    httpHandler({ unready, metrics: ownMetricsServer ? null : metrics.registry }),
  )
  const metricsServer = ownMetricsServer
    ? createServer(serverOptions, httpHandler({ unready, metrics: metrics.registry }))
    : null
  const handshakes = guardHandshakes(server, options.handshakeTimeoutMs, (socket) =>
    dropHandshake(socket, RefusalReason.HandshakeTimeout),
  )
  /** The socket is admitted, refused and gone, or dropped: it no longer waits. */
  const settled = () => {
    pending--
  }
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    handshakes.settle(socket)
    const peer = clientAddress(req, options.trustProxy)
    socket.on('error', destroyOnError)
    // An address that failed too many handshakes: refused before any work is done for it.
    if (failures.exhausted(peer.addr)) {
      if (refusals.note('refused', ADDRESS_RATE_LIMITED, peer.addr)) {
        log.info({ reason: ADDRESS_RATE_LIMITED, ...peer }, 'dropped before upgrade')
      }
      metrics.refused(ADDRESS_RATE_LIMITED)
      socket.once('finish', destroyOnError)
      socket.end(RATE_LIMITED_RESPONSE)
      return
    }
    // Verifying a token is asynchronous: cap the sockets waiting for it (or for a refused
    // client to answer its close), so a flood of upgrades cannot pile up.
    if (pending >= options.maxPendingUpgrades) {
      if (refusals.note('refused', RefusalReason.TooManyPending, peer.addr)) {
        log.info({ reason: RefusalReason.TooManyPending, ...peer }, 'dropped before upgrade')
      }
      metrics.refused(RefusalReason.TooManyPending)
      socket.once('finish', destroyOnError)
      socket.end(BUSY_RESPONSE)
      return
    }
    pending++
    socket.once('close', settled)
    admit(
      req.url ?? '/',
      verifier,
      originAllowed(req.headers.origin),
      req.headers['sec-websocket-protocol'],
    ).then(
      (admission) => {
        if (closing) {
          wss.handleUpgrade(req, socket, head, (ws) => {
            const conn = `c${(++nextId).toString(36)}`
            refuse(ws, { conn, ...peer }, RefusalReason.RelayClosing)
          })
          return
        }
        wss.handleUpgrade(req, socket, head, (ws) => {
          const id = `c${(++nextId).toString(36)}`
          if (!admission.ok) {
            const { room, detail, reason } = admission
            refuse(ws, { conn: id, room, detail, ...peer }, reason)
            return
          }
          const sub = admission.claims.sub
          const full = checkCapacity(
            {
              connections: held,
              rooms: rooms.size,
              inRoom: rooms.peersIn(admission.room),
              ofSubject: subjects.of(sub),
            },
            options,
          )
          if (full !== null) {
            refuse(ws, { conn: id, room: admission.room, ...peer }, full)
            return
          }
          socket.off('close', settled)
          settled()
          open(ws, id, admission.room, admission.claims, peer)
        })
      },
      (error: unknown) => {
        log.error({ err: error }, 'admission failed')
        socket.destroy()
      },
    )
  })

  try {
    await listen(server, options.port, options.host)
    if (metricsServer) {
      await listen(metricsServer, options.metricsPort ?? 0, options.metricsHost ?? options.host)
    }
  } catch (error) {
    metrics.stop()
    server.close()
    throw error
  }
  server.on('error', (error) => log.error({ err: error }, 'server error'))
  const stopSweep = startSweep(() => {
    sweep(connections, rooms.values(), options)
    cluster?.tick()
    refusals.tick()
    failures.prune()
  }, options.sweepIntervalMs)

  const port = (server.address() as AddressInfo).port
  const host = urlHost(options.host)
  const metricsUrl = metricsServer
    ? `http://${urlHost(options.metricsHost ?? options.host)}:${(metricsServer.address() as AddressInfo).port}`
    : `http://${host}:${port}`
  return {
    url: `ws://${host}:${port}`,
    httpUrl: `http://${host}:${port}`,
    port,
    metricsUrl,
    metrics: metrics.registry,
    stats: () => ({ rooms: rooms.size, connections: connections.size }),
    async close({ code = CloseCode.Restarting } = {}) {
      if (closing) return
      closing = true
      stopSweep()
      summaries.stop()
      // One goodbye removes this node's tabs from every other node at once.
      await cluster?.close()
      const open = [...connections]
      const done = Promise.all(open.map((c) => c.closed()))
      for (const c of open) c.close(RefusalReason.RelayClosing, undefined, code as CloseCode)
      // Refusals in flight are closed by ws itself; every admitted socket gets the code.
      await Promise.race([done, delay(CLOSE_GRACE_MS)])
      for (const ws of wss.clients) ws.terminate()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      wss.close()
      if (metricsServer) await closeServer(metricsServer)
      metrics.stop()
      refusals.flush()
      log.info({ code }, 'relay closed')
    },
  }
}

/**
 * Destroys the socket it listens on: shared by all sockets (a closure would keep the request
 * alive), on `error`, and on `finish` of a refusal written before any upgrade.
 */
function destroyOnError(this: Duplex): void {
  this.destroy()
}

/**
 * Connections the kernel may queue for accept. After a relay restart every tab reconnects
 * within a second or two; with Node's default (511) the rest of the storm's SYNs are dropped
 * and retried by the clients' kernels after 1 s, then 3 s, which was most of the time until
 * presence was restored (bench restart-storm: connect p50 2 s). The kernel caps it at
 * net.core.somaxconn (4096 on current Linux).
 */
export const LISTEN_BACKLOG = 4096

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, LISTEN_BACKLOG, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

/** A host as it appears in a URL (IPv6 in brackets). */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
