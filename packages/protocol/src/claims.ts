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

/** The URL a client opens: `<relayUrl>/<room>?token=<jwt>`. */
export function roomUrl(relayUrl: string, room: string, token: string): string {
  const base = relayUrl.endsWith('/') ? relayUrl.slice(0, -1) : relayUrl
  return `${base}/${room}?token=${encodeURIComponent(token)}`
}
