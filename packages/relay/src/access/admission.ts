/**
 * Who may open a socket: the page's origin is allowed, the URL path names a valid room, the
 * token (a `sightline.token.<jwt>` subprotocol, or the `token` query parameter) is valid, and
 * it grants the room. Refusals carry the close code sent after the upgrade (so browsers can
 * see it): 4403 origin not allowed, 4404 bad room, 4401 bad token, 4403 room not granted.
 * Nothing here logs the URL or the subprotocols: they hold the token.
 */
import {
  isValidRoomName,
  roomGranted,
  type SightlineClaims,
  tokenFromSubprotocols,
} from '@sightline/protocol'
import { RefusalReason } from '../refusal.js'
import type { TokenVerifier } from './tokens.js'

export type Admission =
  | { readonly ok: true; readonly room: string; readonly claims: SightlineClaims }
  | {
      readonly ok: false
      /** Machine-readable (for logs and counting); its close code is in refusal.ts. */
      readonly reason: RefusalReason
      /** Human-readable detail; never holds the token. */
      readonly detail: string
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

/**
 * Decides whether the upgrade request for `target` (e.g. `/mailbox/1?token=...`) is admitted;
 * `originAllowed` is the verdict of the origin allowlist on its `Origin` header;
 * `subprotocols` the request's `Sec-WebSocket-Protocol` header, where a token offered as a
 * subprotocol wins over one in the URL.
 */
export async function admit(
  target: string,
  verifier: TokenVerifier,
  originAllowed = true,
  subprotocols?: string,
): Promise<Admission> {
  const parsed = parseTarget(target)
  const room = parsed.room
  const token = tokenFromSubprotocols(subprotocols) ?? parsed.token
  if (!originAllowed) {
    return { ok: false, reason: RefusalReason.Origin, detail: 'origin' }
  }
  if (!isValidRoomName(room)) {
    return {
      ok: false,
      reason: RefusalReason.BadRoom,
      detail: 'invalid room name',
    }
  }
  if (!token) {
    return {
      ok: false,
      reason: RefusalReason.BadToken,
      detail: 'no token',
      room,
    }
  }
  let claims: SightlineClaims
  try {
    claims = await verifier.verify(token)
  } catch (error) {
    const detail = (error as Error).message
    return { ok: false, reason: RefusalReason.BadToken, detail, room }
  }
  if (!roomGranted(claims.rooms, room)) {
    const reason = RefusalReason.RoomNotGranted
    return { ok: false, reason, detail: 'room not granted', room }
  }
  return { ok: true, room, claims }
}
