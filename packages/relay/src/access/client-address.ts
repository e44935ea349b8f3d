/**
 * Where a connection comes from, for log lines an abuse report can be traced with: the
 * socket's peer, or behind a trusted proxy the address and request id the proxy passed.
 */
import type { IncomingMessage } from 'node:http'

/** Where a connection comes from, for logs (abuse reports). */
export interface ClientAddress {
  /** The client's address: the socket's, or the one a trusted proxy forwarded. */
  readonly addr?: string | undefined
  /** The request id a trusted proxy passed (`X-Request-Id`). */
  readonly reqId?: string | undefined
}

/** Reads a request header by its lower-case name (undefined or '' when absent). */
export type HeaderGetter = (name: string) => string | readonly string[] | undefined

/**
 * The client address of an upgrade request whose socket's peer is `socketAddr`, reading its
 * headers through `header` (so every socket layer uses this one rule). Behind a trusted proxy
 * (`trustProxy`) the last `X-Forwarded-For` entry (the one the proxy added) and its
 * `X-Request-Id`; otherwise the socket's peer, since anyone can send those headers.
 */
export function clientAddressOf(
  socketAddr: string | undefined,
  header: HeaderGetter,
  trustProxy: boolean,
): ClientAddress {
  if (!trustProxy) return { addr: socketAddr }
  const forwarded = header('x-forwarded-for')
  const list = (typeof forwarded === 'string' ? forwarded : (forwarded ?? []).join(',')).split(',')
  const last = list[list.length - 1]?.trim()
  const reqId = header('x-request-id')
  return {
    addr: last ? last.slice(0, 64) : socketAddr,
    reqId: typeof reqId === 'string' && reqId !== '' ? reqId.slice(0, 128) : undefined,
  }
}

/** `clientAddressOf` for a request of Node's HTTP server. */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): ClientAddress {
  return clientAddressOf(req.socket.remoteAddress, (name) => req.headers[name], trustProxy)
}
