/**
 * The claims of a Sightline token (a JWT signed by the helpdesk backend).
 *
 *   sub     agent id; must equal `user.id` of every state the connection writes
 *   name    display name; must equal `user.name`
 *   avatar  optional avatar URL; when present must equal `user.avatar`
 *   rooms   grant patterns (see rooms.ts `grantAdmits`)
 *   exp     expiry, seconds since the epoch (required)
 */
export interface SightlineClaims {
  readonly sub: string
  readonly name: string
  readonly avatar?: string | undefined
  readonly rooms: readonly string[]
  readonly exp: number
}

/** The URL of a room on a relay: `<relayUrl>/<room>` (the token travels as a subprotocol). */
export function roomBaseUrl(relayUrl: string, room: string): string {
  const base = relayUrl.endsWith('/') ? relayUrl.slice(0, -1) : relayUrl
  return `${base}/${room}`
}

/** The URL a client opens with the token in the query: `<relayUrl>/<room>?token=<jwt>`. */
export function roomUrl(relayUrl: string, room: string, token: string): string {
  return `${roomBaseUrl(relayUrl, room)}?token=${encodeURIComponent(token)}`
}

/**
 * The WebSocket subprotocol of Sightline. A client that passes its token in the
 * `Sec-WebSocket-Protocol` header (not in the URL, so it stays out of proxy logs) offers this
 * one and `TOKEN_SUBPROTOCOL_PREFIX + token`; the relay answers with this one.
 */
export const SIGHTLINE_SUBPROTOCOL = 'sightline'

/** Prefix of the subprotocol that carries the token (a JWT's characters are all allowed). */
export const TOKEN_SUBPROTOCOL_PREFIX = 'sightline.token.'

/** The subprotocols to offer for `token`: `new WebSocket(url, tokenSubprotocols(token))`. */
export function tokenSubprotocols(token: string): string[] {
  return [SIGHTLINE_SUBPROTOCOL, `${TOKEN_SUBPROTOCOL_PREFIX}${token}`]
}

/** The token in a `Sec-WebSocket-Protocol` header value, or null when none is offered. */
export function tokenFromSubprotocols(header: string | undefined): string | null {
  if (header === undefined) return null
  for (const part of header.split(',')) {
    const p = part.trim()
    if (p.startsWith(TOKEN_SUBPROTOCOL_PREFIX) && p.length > TOKEN_SUBPROTOCOL_PREFIX.length) {
      return p.slice(TOKEN_SUBPROTOCOL_PREFIX.length)
    }
  }
  return null
}
