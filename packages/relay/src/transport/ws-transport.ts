/**
 * The default socket layer: Node's HTTP server and `ws` (transport.ts says what a transport
 * does). Sockets are `WsSocket`s corked per event-loop turn (turn-cork.ts).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { SIGHTLINE_SUBPROTOCOL } from '@sightline/protocol'
import { WebSocketServer } from 'ws'
import { clientAddress } from '../access/client-address.js'
import { guardHandshakes, type HandshakeGuard } from '../access/handshake-timeout.js'
import { httpHandler } from '../ops/http-routes.js'
import { RefusalReason } from '../refusal.js'
import {
  EARLY_RESPONSES,
  type Transport,
  type TransportHandlers,
  type TransportOptions,
  type UpgradeRequest,
  urlHost,
} from './transport.js'
import { TurnCork } from './turn-cork.js'
import { WsSocket } from './ws-socket.js'

/** How often (ms) Node checks HTTP requests against their timeout (Node's default: 30 s). */
const REQUEST_CHECK_INTERVAL_MS = 1000

/**
 * Connections the kernel may queue for accept. After a relay restart every tab reconnects
 * within a second or two; with Node's default (511) the rest of the storm's SYNs are dropped
 * and retried by the clients' kernels after 1 s, then 3 s (docs/performance.md, "Measurements
 * behind code decisions"). The kernel caps it at net.core.somaxconn (4096 on current Linux).
 */
export const LISTEN_BACKLOG = 4096

/** Starts Node's HTTP server(s) with `ws` on them; resolves once listening. */
export async function startWsTransport<D>(
  options: TransportOptions,
  handlers: TransportHandlers<D>,
): Promise<Transport> {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload,
    // A client passing its token as a subprotocol offers `sightline` too: answer with that
    // one (never the token); browsers fail a socket whose offered protocols get no answer.
    handleProtocols: (protocols) =>
      protocols.has(SIGHTLINE_SUBPROTOCOL) ? SIGHTLINE_SUBPROTOCOL : false,
  })
  const ownMetrics = options.metricsPort !== undefined
  // Every request, body included, must be complete within the handshake timeout; Node checks
  // that only every `connectionsCheckingInterval`, so it is shortened from its 30 s default.
  const serverOptions = {
    requestTimeout: options.handshakeTimeoutMs,
    headersTimeout: options.handshakeTimeoutMs,
    connectionsCheckingInterval: Math.min(REQUEST_CHECK_INTERVAL_MS, options.handshakeTimeoutMs),
  }
  const server = createServer(serverOptions, httpHandler(handlers.http))
  const metricsServer = ownMetrics
    ? createServer(serverOptions, httpHandler(handlers.metricsHttp))
    : null
  const handshakes = guardHandshakes(server, options.handshakeTimeoutMs, (socket) => {
    handlers.dropped(socket.remoteAddress, RefusalReason.HandshakeTimeout)
    socket.destroy()
  })
  server.on('upgrade', upgradeHandler(wss, new TurnCork(), options, handlers, handshakes))
  await listen(server, options.port, options.host).catch((error: unknown) => {
    server.close()
    throw error
  })
  if (metricsServer !== null) {
    await listen(
      metricsServer,
      options.metricsPort ?? 0,
      options.metricsHost ?? options.host,
    ).catch((error: unknown) => {
      server.close()
      throw error
    })
  }
  const port = (server.address() as AddressInfo).port
  const metricsUrl =
    metricsServer === null
      ? `http://${urlHost(options.host)}:${port}`
      : `http://${urlHost(options.metricsHost ?? options.host)}:${(metricsServer.address() as AddressInfo).port}`
  return {
    port,
    metricsUrl,
    onError(handler) {
      server.on('error', handler)
    },
    terminateAll() {
      for (const ws of wss.clients) ws.terminate()
    },
    async close() {
      await closeServer(server)
      wss.close()
      if (metricsServer !== null) await closeServer(metricsServer)
    },
  }
}

/**
 * Carries one upgrade request through the handlers (transport.ts): screened, decided while
 * pending, then accepted as a `WsSocket` and opened.
 */
function upgradeHandler<D>(
  wss: WebSocketServer,
  cork: TurnCork,
  options: TransportOptions,
  handlers: TransportHandlers<D>,
  handshakes: HandshakeGuard,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    handshakes.settle(socket)
    socket.on('error', destroyThis)
    const request: UpgradeRequest = {
      url: req.url ?? '/',
      origin: req.headers.origin,
      protocols: req.headers['sec-websocket-protocol'],
      address: clientAddress(req, options.trustProxy),
    }
    const early = handlers.screen(request)
    if (early !== null) {
      socket.once('finish', destroyThis)
      socket.end(EARLY_RESPONSES[early])
      return
    }
    // Pending until admitted as a connection, or until its socket closes before that.
    const settled = () => handlers.settled()
    socket.once('close', settled)
    handlers.decide(request).then(
      (decision) => {
        // Corked before ws writes its 101: the response and the frames the connection is
        // sent on joining (the document, the room's states) leave in one write.
        cork.cork(socket)
        wss.handleUpgrade(req, socket, head, (ws) => {
          if (handlers.opened(new WsSocket(ws, cork), decision, request)) {
            socket.off('close', settled)
            settled()
          }
        })
      },
      () => socket.destroy(),
    )
  }
}

/**
 * Destroys the socket it listens on: shared by all sockets (a closure would keep the request
 * alive), on `error`, and on `finish` of a refusal written before any upgrade.
 */
function destroyThis(this: Duplex): void {
  this.destroy()
}

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
