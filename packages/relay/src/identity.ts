/**
 * Whether an awareness state may be forwarded for a connection: it must be a valid presence
 * state whose user is the token's subject (and name/avatar where the token carries them).
 */
import { type PresenceState, readPresenceState, type SightlineClaims } from '@sightline/protocol'

export type IdentityCheck =
  | { readonly ok: true; readonly state: PresenceState }
  | { readonly ok: false; readonly reason: 'invalid' | 'mismatch' }

/** True when `state.user` is the identity the token asserts. */
export function matchesClaims(state: PresenceState, claims: SightlineClaims): boolean {
  if (state.user.id !== claims.sub || state.user.name !== claims.name) return false
  return claims.avatar === undefined || state.user.avatar === claims.avatar
}

/** Checks a parsed (non-null) awareness state against the connection's claims. */
export function checkIdentity(value: unknown, claims: SightlineClaims): IdentityCheck {
  const state = readPresenceState(value)
  if (state === null) return { ok: false, reason: 'invalid' }
  return matchesClaims(state, claims) ? { ok: true, state } : { ok: false, reason: 'mismatch' }
}
