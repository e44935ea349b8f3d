/**
 * createRelay: a Node HTTP server that upgrades `/<room>?token=<jwt>` to a WebSocket speaking
 * the y-websocket protocol, and answers `GET /healthz`. Everything lives on the returned
 * handle (no module-level state), so several relays can run in one process.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { CloseCode, CloseReason } from '@sightline/protocol'
import { pino } from 'pino'
import { type WebSocket, WebSocketServer } from 'ws'
import { admit } from './admission.js'
import { checkCapacity, SubjectCounts } from './capacity.js'
import { Connection } from './connection.js'
import { guardHandshakes } from './handshake-timeout.js'
import { startSweep, sweep } from './liveness.js'
import { type RelayOptions, resolveOptions } from './options.js'
import { createOriginCheck } from './origin.js'
import { RefusalReason } from './refusal.js'
import { RoomRegistry } from './room-registry.js'
import { createTokenVerifier } from './tokens.js'

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
  stats(): RelayStats
  /** Closes every socket (default code 1012, "relay restarting") and the server. */
  close(options?: { code?: number }): Promise<void>
}

/** How long an orderly close waits for close handshakes before dropping sockets (ms). */
const CLOSE_GRACE_MS = 1000

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
  const rooms = new RoomRegistry(options)
  const connections = new Set<Connection>()
  const subjects = new SubjectCounts()
  const originAllowed = createOriginCheck(options)
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxFrameBytes * WS_PAYLOAD_BACKSTOP,
  })
  let nextId = 0
  let closing = false

  /** The one place a socket is refused right after its upgrade (the code reaches browsers). */
  const refuse = (
    ws: WebSocket,
    fields: { conn: string; room?: string | undefined; detail?: string },
    code: CloseCode,
    reason: RefusalReason,
  ) => {
    log.info({ ...fields, code, reason }, 'refused')
    ws.close(code, CloseReason[code])
  }
  /** The one place a socket is dropped before its upgrade completed (no close code possible). */
  const dropHandshake = (socket: Duplex, reason: RefusalReason) => {
    log.info({ reason }, 'dropped before upgrade')
    socket.destroy()
  }

  const server = createServer(answerHttp)
  const handshakes = guardHandshakes(server, options.handshakeTimeoutMs, (socket) =>
    dropHandshake(socket, RefusalReason.HandshakeTimeout),
  )
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    handshakes.settle(socket)
    socket.on('error', () => socket.destroy())
    admit(req.url ?? '/', verifier, originAllowed(req.headers.origin)).then(
      (admission) => {
        if (closing) return void socket.destroy()
        wss.handleUpgrade(req, socket, head, (ws) => {
          const id = `c${(++nextId).toString(36)}`
          if (!admission.ok) {
            const { room, detail, code, reason } = admission
            refuse(ws, { conn: id, room, detail }, code, reason)
            return
          }
          const sub = admission.claims.sub
          const full = checkCapacity(
            {
              connections: connections.size,
              rooms: rooms.size,
              inRoom: rooms.peersIn(admission.room),
              ofSubject: subjects.of(sub),
            },
            options,
          )
          if (full !== null) {
            refuse(ws, { conn: id, room: admission.room }, full.code, full.reason)
            return
          }
          const connLog = log.child({ conn: id, room: admission.room })
          subjects.add(sub)
          const connection = new Connection({
            id,
            ws,
            roomName: admission.room,
            claims: admission.claims,
            rooms,
            log: connLog,
            limits: options,
            onGone: (c) => {
              connections.delete(c)
              subjects.remove(sub)
            },
          })
          connections.add(connection)
          connLog.info({ sub }, 'connected')
        })
      },
      (error: unknown) => {
        log.error({ err: error }, 'admission failed')
        socket.destroy()
      },
    )
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  server.on('error', (error) => log.error({ err: error }, 'server error'))
  const stopSweep = startSweep(
    () => sweep(connections, rooms.values(), options),
    options.sweepIntervalMs,
  )

  const port = (server.address() as AddressInfo).port
  const host = options.host.includes(':') ? `[${options.host}]` : options.host
  return {
    url: `ws://${host}:${port}`,
    httpUrl: `http://${host}:${port}`,
    port,
    stats: () => ({ rooms: rooms.size, connections: connections.size }),
    async close({ code = CloseCode.Restarting } = {}) {
      if (closing) return
      closing = true
      stopSweep()
      const open = [...connections]
      const done = Promise.all(open.map((c) => c.closed()))
      for (const c of open) c.close(code as CloseCode, RefusalReason.RelayClosing)
      // Refusals in flight are closed by ws itself; every admitted socket gets the code.
      await Promise.race([done, delay(CLOSE_GRACE_MS)])
      for (const ws of wss.clients) ws.terminate()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      wss.close()
      log.info({ code }, 'relay closed')
    },
  }
}

function answerHttp(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0]
  if (req.method === 'GET' && path === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok')
    return
  }
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found')
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
