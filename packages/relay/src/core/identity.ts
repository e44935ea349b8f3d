/**
 * Whether an awareness state may be forwarded for a connection: it must be a valid presence
 * state whose user is the token's: same id and name, and the token's avatar or, when the token
 * has no `avatar` claim, no avatar at all (else a state could show another agent's photo, or a
 * tracking URL, to everyone in the room and in the mailbox list).
 *
 * A state that claims another identity in any field it has is a mismatch (closed with 1008),
 * even when it is incomplete. A state that claims no other identity but is not a complete
 * presence state yet (`{}`, which every y-protocols Awareness starts with, or a state a stock
 * client builds field by field with `setLocalStateField`) is `incomplete`: never forwarded.
 */
import { type PresenceState, readPresenceState, type SightlineClaims } from '@sightline/protocol'

export type IdentityCheck =
  | { readonly ok: true; readonly state: PresenceState }
  | { readonly ok: false; readonly reason: 'incomplete' | 'mismatch' }

/** True when `state.user` is the identity the token asserts. */
export function matchesClaims(
  state: PresenceState,
  claims: Pick<SightlineClaims, 'sub' | 'name' | 'avatar'>,
): boolean {
  if (state.user.id !== claims.sub || state.user.name !== claims.name) return false
  return state.user.avatar === claims.avatar
}

/** Checks a parsed (non-null) awareness state against the connection's claims. */
export function checkIdentity(
  value: unknown,
  claims: Pick<SightlineClaims, 'sub' | 'name' | 'avatar'>,
): IdentityCheck {
  if (claimsOtherIdentity(value, claims)) return { ok: false, reason: 'mismatch' }
  const state = readPresenceState(value)
  if (state === null) return { ok: false, reason: 'incomplete' }
  return matchesClaims(state, claims) ? { ok: true, state } : { ok: false, reason: 'mismatch' }
}

/** Whether any identity field present in `value` differs from the token's. */
function claimsOtherIdentity(
  value: unknown,
  claims: Pick<SightlineClaims, 'sub' | 'name' | 'avatar'>,
): boolean {
  if (typeof value !== 'object' || value === null || !('user' in value)) return false
  const user = (value as { user: unknown }).user
  if (typeof user !== 'object' || user === null) return true
  const u = user as Record<string, unknown>
  if ('id' in u && u['id'] !== claims.sub) return true
  if ('name' in u && u['name'] !== claims.name) return true
  return 'avatar' in u && u['avatar'] !== claims.avatar
}
