/**
 * The `uws` socket layer: uWebSockets.js (transport.ts says what a transport does; relay
 * option `transport`). About half the memory per idle connection of `ws` over Node's HTTP
 * server (docs/operations.md, "Socket layer", has the figures). Where it behaves differently:
 *
 * - A message over `maxPayload` is not answered with a close frame: uWS drops the connection
 *   at once (the client sees 1006, the relay logs nothing; `ws` sends 1009).
 * - The handshake timeout is uWS's own, fixed: a connection that has not sent whole request
 *   headers within about 10 s (its timers tick every 4 s) is dropped, however slowly it
 *   trickles bytes (slowloris). `handshakeTimeoutMs` does not apply, and such drops are not
 *   counted (uWS does not tell of them).
 * - A socket the relay closes is let go as its close frame is sent (uws-socket.ts): nothing
 *   waits for a client that does not answer, and a relay shutdown does not wait for close
 *   handshakes. Frames a client sends meanwhile make the kernel reset the connection, which
 *   can overtake the close frame (the client then sees 1006).
 * - The listen backlog is uSockets' own and cannot be set: `LISTEN_BACKLOG` (ws-transport.ts)
 *   does not apply.
 * - The metrics port, when `metricsPort` is set, is a second uWS app.
 * - Upgrade requests are answered without a `Sec-WebSocket-Extensions` (no permessage-deflate,
 *   like the `ws` layer), and pings are the relay's own (uWS sends none, and closes no idle
 *   socket: the liveness sweep decides).
 *
 * uWebSockets.js is not on the npm registry: it is an optional peer dependency, loaded here
 * only when the relay is started with `transport: 'uws'` (`loadUwsTransport`).
 */
import { SIGHTLINE_SUBPROTOCOL } from '@sightline/protocol'
import { clientAddressOf } from '../access/client-address.js'
import { RelayError } from '../errors.js'
import { answerHttp, type HttpAnswer, type HttpRoutes } from '../ops/http-routes.js'
import {
  EARLY_RESPONSES,
  type EarlyRefusal,
  type Transport,
  type TransportHandlers,
  type TransportOptions,
  type UpgradeRequest,
  urlHost,
} from './transport.js'
import { UwsSocket, UwsTurnCork, type UwsWebSocket } from './uws-socket.js'

/** How operators install uWebSockets.js (it is published on GitHub, not on the npm registry). */
export const UWS_INSTALL = 'npm install uWebSockets.js@uNetworking/uWebSockets.js#v20.x'

/** The parts of the `uWebSockets.js` module this layer uses (its own typings are not needed). */
export interface UwsModule {
  App(): UwsApp
  us_listen_socket_close(listenSocket: unknown): void
  us_socket_local_port(listenSocket: unknown): number
}

interface UwsApp {
  ws(pattern: string, behavior: Record<string, unknown>): UwsApp
  any(pattern: string, handler: (res: UwsResponse, req: UwsRequest) => void): UwsApp
  listen(host: string, port: number, cb: (listenSocket: unknown) => void): UwsApp
  close(): void
}

interface UwsRequest {
  getHeader(lowerCaseKey: string): string
  getMethod(): string
  getUrl(): string
  getQuery(): string | undefined
}

interface UwsResponse {
  writeStatus(status: string): UwsResponse
  writeHeader(key: string, value: string): UwsResponse
  end(body?: string, closeConnection?: boolean): UwsResponse
  endWithoutBody(reportedContentLength?: number, closeConnection?: boolean): UwsResponse
  close(): UwsResponse
  onAborted(handler: () => void): UwsResponse
  cork(cb: () => void): UwsResponse
  getRemoteAddressAsText(): ArrayBuffer
  upgrade(
    userData: object,
    key: string,
    protocol: string,
    extensions: string,
    context: unknown,
  ): void
}

/** What a uWS WebSocket carries (uWS copies the upgrade's user data onto it). */
type UwsConnection = UwsWebSocket & {
  /** Until `open`: the decided request. */
  pending?: Pending<unknown> | undefined
  /** From `open` on. */
  socket?: UwsSocket
  /** Settle when it closes (it was not admitted as a connection). */
  unsettled?: boolean
}

interface Pending<D> {
  readonly decision: D
  readonly request: UpgradeRequest
}

/**
 * Loads uWebSockets.js (an optional peer dependency) and returns `startUwsTransport` bound to
 * it; rejects with RelayError `config` naming how to install it when it is missing.
 */
export async function loadUwsTransport(): Promise<
  <D>(options: TransportOptions, handlers: TransportHandlers<D>) => Promise<Transport>
> {
  const uws = await importUws()
  return (options, handlers) => startUwsTransport(options, handlers, uws)
}

/**
 * Imports uWebSockets.js (`specifier`: another name, for tests); rejects with RelayError
 * `config` naming how to install it when that fails.
 */
export async function importUws(specifier = 'uWebSockets.js'): Promise<UwsModule> {
  try {
    // A variable, so bundlers leave the optional module alone.
    const loaded = (await import(specifier)) as { default?: UwsModule } & UwsModule
    return loaded.default ?? loaded
  } catch (error) {
    throw new RelayError(
      'config',
      `transport "uws" needs uWebSockets.js, which is not installed (it is not on the npm registry): ${UWS_INSTALL}`,
      { cause: error },
    )
  }
}

/** Starts uWS app(s): the relay's port, and the metrics port if set; resolves once listening. */
export async function startUwsTransport<D>(
  options: TransportOptions,
  handlers: TransportHandlers<D>,
  uws?: UwsModule,
): Promise<Transport> {
  const lib = uws ?? (await importUws())
  const live = new Set<UwsSocket>()
  const app = lib.App()
  app.ws('/*', behavior(options, handlers, live, new UwsTurnCork()))
  app.any('/*', httpRoute(handlers.http))
  const listenSocket = await listen(app, options.host, options.port)
  const port = lib.us_socket_local_port(listenSocket)
  let metrics: { app: UwsApp; listenSocket: unknown; url: string } | null = null
  if (options.metricsPort !== undefined) {
    const metricsApp = lib.App().any('/*', httpRoute(handlers.metricsHttp))
    const host = options.metricsHost ?? options.host
    const metricsSocket = await listen(metricsApp, host, options.metricsPort).catch(
      (error: unknown) => {
        lib.us_listen_socket_close(listenSocket)
        app.close()
        throw error
      },
    )
    const url = `http://${urlHost(host)}:${lib.us_socket_local_port(metricsSocket)}`
    metrics = { app: metricsApp, listenSocket: metricsSocket, url }
  }
  return {
    port,
    metricsUrl: metrics?.url ?? `http://${urlHost(options.host)}:${port}`,
    // uWS reports no server errors after listening.
    onError() {},
    terminateAll() {
      for (const socket of [...live]) socket.terminate()
    },
    async close() {
      lib.us_listen_socket_close(listenSocket)
      app.close()
      if (metrics !== null) {
        lib.us_listen_socket_close(metrics.listenSocket)
        metrics.app.close()
      }
    },
  }
}

/**
 * The WebSocket behaviour: each upgrade request carried through the handlers (transport.ts),
 * then its socket's events to its `UwsSocket`.
 */
function behavior<D>(
  options: TransportOptions,
  handlers: TransportHandlers<D>,
  live: Set<UwsSocket>,
  cork: UwsTurnCork,
): Record<string, unknown> {
  return {
    maxPayloadLength: options.maxPayload,
    // The relay's liveness sweep pings and decides who is gone; uWS must not.
    idleTimeout: 0,
    sendPingsAutomatically: false,
    maxLifetime: 0,
    // Never drop a frame for backpressure: the core holds a reader that does not read and
    // closes one whose catch-up overflows (`maxSendBufferBytes`), reading `bufferedAmount`.
    maxBackpressure: 0,
    closeOnBackpressureLimit: false,
    upgrade: (res: UwsResponse, req: UwsRequest, context: unknown) => {
      // uWS aborts the process when a handler returns without answering: a throw closes the
      // connection instead.
      try {
        upgrade(res, req, context, options, handlers)
      } catch {
        res.close()
      }
    },
    open: (ws: UwsConnection) => {
      const pending = ws.pending as Pending<D>
      ws.pending = undefined
      const socket = new UwsSocket(ws, cork)
      ws.socket = socket
      live.add(socket)
      if (handlers.opened(socket, pending.decision, pending.request)) handlers.settled()
      else if (!socket.closed) ws.unsettled = true
      else handlers.settled()
    },
    message: (ws: UwsConnection, data: ArrayBuffer, isBinary: boolean) =>
      ws.socket?.received(data, isBinary),
    pong: (ws: UwsConnection) => ws.socket?.ponged(),
    close: (ws: UwsConnection, code: number) => {
      const socket = ws.socket
      const unsettled = ws.unsettled === true
      if (socket !== undefined) {
        live.delete(socket)
        socket.ended(code)
      }
      if (unsettled) handlers.settled()
    },
  }
}

/**
 * One upgrade request: everything is read from `req` at once (uWS frees it when this returns),
 * then screened, decided while pending, and upgraded (corked, unless aborted meanwhile).
 */
function upgrade<D>(
  res: UwsResponse,
  req: UwsRequest,
  context: unknown,
  options: TransportOptions,
  handlers: TransportHandlers<D>,
): void {
  const query = req.getQuery()
  const key = req.getHeader('sec-websocket-key')
  const extensions = req.getHeader('sec-websocket-extensions')
  const protocols = optional(req.getHeader('sec-websocket-protocol'))
  const request: UpgradeRequest = {
    url: query === undefined || query === '' ? req.getUrl() : `${req.getUrl()}?${query}`,
    origin: optional(req.getHeader('origin')),
    protocols,
    address: clientAddressOf(
      peerAddress(res),
      (name) => optional(req.getHeader(name)),
      options.trustProxy,
    ),
  }
  const early = handlers.screen(request)
  if (early !== null) {
    writeEarly(res, early)
    return
  }
  // Pending until admitted as a connection, or until it closes before that.
  const state = { done: false }
  res.onAborted(() => {
    if (state.done) return
    state.done = true
    handlers.settled()
  })
  handlers.decide(request).then(
    (decision) => {
      if (state.done) return
      state.done = true
      const pending: Pending<D> = { decision, request }
      // A client that offers `sightline` (beside its token) is answered with it, never with
      // the token; browsers fail a socket whose offered protocols get no answer.
      const protocol = offers(protocols, SIGHTLINE_SUBPROTOCOL) ? SIGHTLINE_SUBPROTOCOL : ''
      res.cork(() => res.upgrade({ pending }, key, protocol, extensions, context))
    },
    () => {
      if (state.done) return
      state.done = true
      handlers.settled()
      res.close()
    },
  )
}

/** Whether the `Sec-WebSocket-Protocol` header offers `protocol`. */
function offers(header: string | undefined, protocol: string): boolean {
  return header?.split(',').some((p) => p.trim() === protocol) === true
}

/** The status line and headers of each early refusal, from the raw answers `ws` writes. */
const EARLY: Readonly<Record<string, { status: string; headers: [string, string][] }>> =
  Object.fromEntries(
    Object.entries(EARLY_RESPONSES).map(([reason, raw]) => {
      const [statusLine = '', ...lines] = raw.split('\r\n').filter((l) => l !== '')
      const headers = lines
        .map((line) => {
          const at = line.indexOf(':')
          return [line.slice(0, at).trim(), line.slice(at + 1).trim()] as [string, string]
        })
        // uWS writes these itself.
        .filter(([name]) => !/^(connection|content-length)$/i.test(name))
      return [reason, { status: statusLine.replace(/^HTTP\/1\.1 /, ''), headers }]
    }),
  )

function writeEarly(res: UwsResponse, early: EarlyRefusal): void {
  const answer = EARLY[early]
  if (answer === undefined) return void res.close()
  res.writeStatus(answer.status)
  for (const [name, value] of answer.headers) res.writeHeader(name, value)
  res.end('', true)
}

/** The plain HTTP routes (ops/http-routes.ts) over uWS. */
function httpRoute(routes: HttpRoutes): (res: UwsResponse, req: UwsRequest) => void {
  return (res, req) => answerRoute(routes, res, req)
}

/**
 * Answers one plain HTTP request. uWS aborts the process when a handler returns without
 * answering or attaching an abort handler, so a throw here closes the connection instead.
 */
function answerRoute(routes: HttpRoutes, res: UwsResponse, req: UwsRequest): void {
  try {
    const method = req.getMethod().toUpperCase()
    const hasBody =
      req.getHeader('content-length') !== '' || req.getHeader('transfer-encoding') !== ''
    const answer = answerHttp(routes, method, req.getUrl(), hasBody)
    const head = method === 'HEAD'
    if (!(answer instanceof Promise)) return void writeAnswer(res, answer, head)
    const state = { aborted: false }
    res.onAborted(() => {
      state.aborted = true
    })
    answer.then((a) => {
      if (!state.aborted) res.cork(() => writeAnswer(res, a, head))
    })
  } catch {
    res.close()
  }
}

const STATUS_TEXT: Readonly<Record<number, string>> = Object.freeze({
  200: 'OK',
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
})

function writeAnswer(res: UwsResponse, answer: HttpAnswer, head: boolean): void {
  res
    .writeStatus(`${answer.status} ${STATUS_TEXT[answer.status] ?? ''}`.trim())
    .writeHeader('content-type', answer.type)
    .writeHeader('cache-control', 'no-store')
  if (!head) return void res.end(answer.body, answer.close)
  // HEAD: the length of the body a GET gets, and no body. (`endWithoutBody` with arguments
  // leaves the request unanswered in uWS 20.30, which aborts the process.)
  if (answer.close) return void res.end('', true)
  res.writeHeader('content-length', String(Buffer.byteLength(answer.body))).endWithoutBody()
}

/** The peer's address as `ws` reports it (IPv4 dotted, IPv6 without its IPv4 mapping). */
function peerAddress(res: UwsResponse): string | undefined {
  const text = Buffer.from(res.getRemoteAddressAsText()).toString()
  if (text === '') return undefined
  const mapped = /^(?:0{1,4}:){5}ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text)
  return mapped?.[1] ?? text
}

function optional(value: string): string | undefined {
  return value === '' ? undefined : value
}

function listen(app: UwsApp, host: string, port: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (listenSocket) => {
      if (listenSocket) return resolve(listenSocket)
      // uWS says no more than that it failed: in use, or not an address of this machine.
      const where = `${urlHost(host)}:${port}`
      reject(new Error(`could not listen on ${where} (in use, or no such address)`))
    })
  })
}
