/**
 * A socket layer: the HTTP server, the WebSocket upgrade and the sockets. The relay's core
 * decides everything (access/upgrade-gate.ts, core/); a transport only carries requests and
 * bytes. `ws` over Node's HTTP server is the one (ws-transport.ts); another socket library
 * implements `startTransport`'s contract and nothing else changes.
 *
 * An upgrade request goes:
 * 1. `screen` (synchronous, before any work): a refusal is answered with plain HTTP (429 or
 *    503) and the connection closed; no WebSocket.
 * 2. `decide` (asynchronous: the token is verified); the request is pending meanwhile.
 * 3. The socket is accepted whatever the decision (a refusal is a close code browsers can
 *    read), then handed to `opened` with the decision. `opened` returns true when it admitted
 *    the socket as a connection.
 * 4. `settled` is called once per screened-in request: when `opened` admitted it, or when
 *    its socket closed before that (refused, aborted, dropped).
 */
import type { ClientAddress } from '../access/client-address.js'
import type { HttpRoutes } from '../ops/http-routes.js'
import { RefusalReason } from '../refusal.js'
import type { RelaySocket } from './relay-socket.js'

/** What the core reads of an upgrade request (never its body, never logged whole). */
export interface UpgradeRequest {
  /** The request target: path and query (the query may hold the token). */
  readonly url: string
  readonly origin: string | undefined
  /** The `Sec-WebSocket-Protocol` header as sent (may hold the token). */
  readonly protocols: string | undefined
  readonly address: ClientAddress
}

/** Why a request is answered with plain HTTP before any work is done for it. */
export type EarlyRefusal =
  | typeof RefusalReason.AddressRateLimited
  | typeof RefusalReason.TooManyPending

export interface TransportHandlers<D> {
  screen(req: UpgradeRequest): EarlyRefusal | null
  decide(req: UpgradeRequest): Promise<D>
  opened(socket: RelaySocket, decision: D, req: UpgradeRequest): boolean
  settled(): void
  /** A connection dropped before its upgrade completed (its headers were too slow). */
  dropped(addr: string | undefined, reason: RefusalReason): void
  /** The plain HTTP routes (/healthz, /readyz, /metrics unless served on their own port). */
  readonly http: HttpRoutes
  /** The routes of the metrics port, when `metricsPort` is set. */
  readonly metricsHttp: HttpRoutes
}

/** What a transport is started with (see the relay options of the same names). */
export interface TransportOptions {
  readonly port: number
  readonly host: string
  readonly metricsPort: number | undefined
  readonly metricsHost: string | undefined
  /** Messages over this many bytes are refused by the socket layer itself (close 1009). */
  readonly maxPayload: number
  readonly handshakeTimeoutMs: number
  readonly trustProxy: boolean
}

export interface Transport {
  /** The port the relay listens on (resolved when 0 was asked). */
  readonly port: number
  /** `http://host:port` of the server answering `/metrics`. */
  readonly metricsUrl: string
  /** Logs a server error (after start-up) through `onError`. */
  onError(handler: (error: Error) => void): void
  /** Drops every socket still open, without a close handshake. */
  terminateAll(): void
  /** Stops listening and closes the servers (after `terminateAll`). */
  close(): Promise<void>
}

/** The HTTP answer to a request refused by `screen`, written raw (the socket is not upgraded). */
export const EARLY_RESPONSES: Readonly<Record<EarlyRefusal, string>> = Object.freeze({
  [RefusalReason.AddressRateLimited]:
    'HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n',
  [RefusalReason.TooManyPending]:
    'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
})

/** A host as it appears in a URL (IPv6 in brackets). */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}
