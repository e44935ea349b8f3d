/**
 * Who may open a socket: the URL path names a valid room, the `token` query parameter is a
 * valid token, and the token grants the room. Refusals carry the close code sent after the
 * upgrade (so browsers can see it): 4404 bad room, 4401 bad token, 4403 room not granted.
 * Nothing here logs the URL: it holds the token.
 */
import { CloseCode, isValidRoomName, roomGranted, type SightlineClaims } from '@sightline/protocol'
import type { TokenVerifier } from './tokens.js'

export type Admission =
  | { readonly ok: true; readonly room: string; readonly claims: SightlineClaims }
  | {
      readonly ok: false
      readonly code: CloseCode
      readonly reason: string
      readonly room?: string
    }

/** Splits a request target into room name and token without trusting it to be a URL. */
export function parseTarget(target: string): { room: string; token: string | null } {
  const q = target.indexOf('?')
  const path = q === -1 ? target : target.slice(0, q)
  const query = q === -1 ? '' : target.slice(q + 1)
  const room = path.startsWith('/') ? path.slice(1) : path
  return { room, token: new URLSearchParams(query).get('token') }
}

/** Decides whether the upgrade request for `target` (e.g. `/mailbox/1?token=...`) is admitted. */
export async function admit(target: string, verifier: TokenVerifier): Promise<Admission> {
  const { room, token } = parseTarget(target)
  if (!isValidRoomName(room))
    return { ok: false, code: CloseCode.BadRoom, reason: 'invalid room name' }
  if (!token) return { ok: false, code: CloseCode.BadToken, reason: 'no token', room }
  let claims: SightlineClaims
  try {
    claims = await verifier.verify(token)
  } catch (error) {
    return { ok: false, code: CloseCode.BadToken, reason: (error as Error).message, room }
  }
  if (!roomGranted(claims.rooms, room)) {
    return { ok: false, code: CloseCode.Forbidden, reason: 'room not granted', room }
  }
  return { ok: true, room, claims }
}
