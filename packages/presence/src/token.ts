/**
 * Reads the claims of a JWT without verifying it: the relay verifies; the client only needs to
 * know who it is (to build its state) and when the token expires (to refresh it in time).
 */
import type { PresenceUser } from '@sightline/protocol'
import { PresenceError } from './errors.js'

export interface UnverifiedClaims {
  readonly sub?: unknown
  readonly name?: unknown
  readonly avatar?: unknown
  readonly exp?: unknown
}

function base64UrlDecode(text: string): Uint8Array {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/')
  const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='))
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** The payload of `token`; throws a `PresenceError` ('bad-token') when it is not a JWT. */
export function readTokenClaims(token: string): UnverifiedClaims {
  const payload = token.split('.')[1]
  if (payload === undefined) throw new PresenceError('bad-token', 'token is not a JWT')
  try {
    const claims: unknown = JSON.parse(new TextDecoder().decode(base64UrlDecode(payload)))
    if (typeof claims !== 'object' || claims === null)
      throw new TypeError('payload is not an object')
    return claims as UnverifiedClaims
  } catch (cause) {
    throw new PresenceError('bad-token', 'token payload is not JSON', { cause })
  }
}

/** The user a token speaks for (`sub`, `name`, `avatar`). */
export function tokenUser(token: string): PresenceUser {
  const { sub, name, avatar } = readTokenClaims(token)
  if (typeof sub !== 'string' || sub === '')
    throw new PresenceError('bad-token', 'token has no sub')
  if (typeof name !== 'string' || name === '') {
    throw new PresenceError('bad-token', 'token has no name')
  }
  return typeof avatar === 'string' ? { id: sub, name, avatar } : { id: sub, name }
}

/** When `token` expires (ms since the epoch), or `null` when it has no usable `exp`. */
export function tokenExpiry(token: string): number | null {
  try {
    const { exp } = readTokenClaims(token)
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null
  } catch {
    return null
  }
}

/**
 * How long to wait before asking for a fresh token: at 80% of the remaining lifetime, but no
 * earlier than 60 s before expiry (long tokens are refreshed one minute ahead, short ones at
 * 80%, so a short-lived token never triggers a refresh loop).
 */
export function refreshDelay(expiresAt: number, now: number): number {
  const remaining = expiresAt - now
  if (remaining <= 0) return 0
  return remaining - Math.min(60_000, remaining * 0.2)
}
