/**
 * Why the relay refused or closed a connection, as a stable machine-readable string (for
 * logs and for counting refusals by reason). Every refusal goes through one function per
 * place, each taking one of these:
 *
 * - before the upgrade completes (raw TCP socket): `dropHandshake` in relay.ts;
 * - right after the upgrade (admission, origin, capacity): `refuse` in relay.ts;
 * - an admitted connection: `Connection.close` / `Connection.terminate` in connection.ts.
 *
 * Each reason maps to the close code a client sees exactly once, in `REFUSAL_CLOSE_CODE`
 * below (codes: `@sightline/protocol` `CloseCode`); a close takes a reason, never a code.
 * Several reasons share a code (4413 for a frame or a state that is too large).
 */
import { CloseCode, CloseReason } from '@sightline/protocol'

export const RefusalReason = Object.freeze({
  /** Room name invalid (4404). */
  BadRoom: 'bad_room',
  /** Token missing, invalid or expired at the upgrade (4401). */
  BadToken: 'bad_token',
  /** The token expired while connected (4401). */
  TokenExpired: 'token_expired',
  /** The token does not grant the room (4403). */
  RoomNotGranted: 'room_not_granted',
  /** The browser Origin is not in the allowlist, or missing when one is required (4403). */
  Origin: 'origin',
  /** The room already has `maxConnectionsPerRoom` connections (1013). */
  RoomFull: 'room_full',
  /** The relay already holds `maxRooms` rooms and this one would be new (1013). */
  TooManyRooms: 'too_many_rooms',
  /** The relay already holds `maxConnections` connections (1013). */
  RelayFull: 'relay_full',
  /** The token subject already has `maxConnectionsPerSubject` connections (4429). */
  SubjectLimit: 'subject_limit',
  /**
   * The client address is over its budget of failed admissions (`failure-budget.ts`): HTTP 429
   * on the raw socket before any token check, no WebSocket.
   */
  AddressRateLimited: 'address_rate_limited',
  /** The HTTP upgrade was not completed within `handshakeTimeoutMs` (socket destroyed). */
  HandshakeTimeout: 'handshake_timeout',
  /** An inbound message over `maxFrameBytes` (4413). */
  FrameTooLarge: 'frame_too_large',
  /** An awareness state over `maxStateBytes` (4413). */
  StateTooLarge: 'state_too_large',
  /** A write to the room document, or a signal in a read-only mailbox room (4405). */
  ReadOnly: 'read_only',
  /** A signal from a connection with no presence state in its room (1008). */
  SignalWithoutState: 'signal_without_state',
  /** More upgraded sockets waiting for admission than `maxPendingUpgrades` (HTTP 503). */
  TooManyPending: 'too_many_pending',
  /** More than `maxClientIdsPerConnection` awareness client IDs introduced (1008). */
  TooManyClientIds: 'too_many_client_ids',
  /** More messages than the connection's token bucket allows (4429). */
  RateLimited: 'rate_limited',
  /** The send buffer passed `maxSendBufferBytes` (4508). */
  SlowConsumer: 'slow_consumer',
  /** A state written under a client ID another agent claimed first in the room (4409). */
  ClientIdTaken: 'client_id_taken',
  /** A subject's share of a room's inbound state bytes is spent (4429). */
  SubjectRateLimited: 'subject_rate_limited',
  /** Repeated writes to client IDs of other connections (1008). */
  ForgedWrite: 'forged_write',
  /** A state names another user (1008). */
  IdentityMismatch: 'identity_mismatch',
  /** A frame could not be decoded, or was a text frame (4400). */
  BadFrame: 'bad_frame',
  /** Silent past the liveness timeout (terminated, no close frame). */
  LivenessTimeout: 'liveness_timeout',
  /** An unexpected error while handling a frame (1011). */
  InternalError: 'internal_error',
  /** The relay is closing (1012 by default). */
  RelayClosing: 'relay_closing',
} as const)

export type RefusalReason = (typeof RefusalReason)[keyof typeof RefusalReason]

/**
 * The close code each refusal is sent with; null where no close frame can be sent (the
 * socket never became a WebSocket, or it stopped answering and is terminated).
 */
export const REFUSAL_CLOSE_CODE: Readonly<Record<RefusalReason, CloseCode | null>> = Object.freeze({
  [RefusalReason.BadRoom]: CloseCode.BadRoom,
  [RefusalReason.BadToken]: CloseCode.BadToken,
  [RefusalReason.TokenExpired]: CloseCode.BadToken,
  [RefusalReason.RoomNotGranted]: CloseCode.Forbidden,
  [RefusalReason.Origin]: CloseCode.Forbidden,
  [RefusalReason.RoomFull]: CloseCode.TryAgainLater,
  [RefusalReason.TooManyRooms]: CloseCode.TryAgainLater,
  [RefusalReason.RelayFull]: CloseCode.TryAgainLater,
  [RefusalReason.SubjectLimit]: CloseCode.RateLimited,
  [RefusalReason.HandshakeTimeout]: null,
  [RefusalReason.AddressRateLimited]: null,
  [RefusalReason.TooManyPending]: null,
  [RefusalReason.FrameTooLarge]: CloseCode.TooLarge,
  [RefusalReason.StateTooLarge]: CloseCode.TooLarge,
  [RefusalReason.ReadOnly]: CloseCode.ReadOnly,
  [RefusalReason.SignalWithoutState]: CloseCode.PolicyViolation,
  [RefusalReason.TooManyClientIds]: CloseCode.PolicyViolation,
  [RefusalReason.RateLimited]: CloseCode.RateLimited,
  [RefusalReason.SlowConsumer]: CloseCode.SlowConsumer,
  [RefusalReason.ClientIdTaken]: CloseCode.ClientIdTaken,
  [RefusalReason.SubjectRateLimited]: CloseCode.RateLimited,
  [RefusalReason.ForgedWrite]: CloseCode.PolicyViolation,
  [RefusalReason.IdentityMismatch]: CloseCode.PolicyViolation,
  [RefusalReason.BadFrame]: CloseCode.BadFrame,
  [RefusalReason.LivenessTimeout]: null,
  [RefusalReason.InternalError]: CloseCode.InternalError,
  [RefusalReason.RelayClosing]: CloseCode.Restarting,
})

/**
 * Close reasons more specific than their code's one-line reason (`CloseReason`), where the
 * code alone would send a developer looking in the wrong place: an origin refusal shares 4403
 * with "room not granted", but the fix is in the relay's settings, not in the token.
 */
const SPECIFIC_CLOSE_REASON: Readonly<Partial<Record<RefusalReason, string>>> = Object.freeze({
  [RefusalReason.Origin]: 'origin not allowed (SIGHTLINE_ALLOWED_ORIGINS)',
  [RefusalReason.ClientIdTaken]: 'client ID taken by another agent',
})

/** The close reason text `reason` is sent with (at most 123 bytes, as WebSocket allows). */
export function closeReasonOf(
  reason: RefusalReason,
  code: CloseCode = closeCodeOf(reason),
): string {
  return SPECIFIC_CLOSE_REASON[reason] ?? CloseReason[code] ?? ''
}

/** The close code `reason` is sent with (see REFUSAL_CLOSE_CODE); 1011 for a code-less one. */
export function closeCodeOf(reason: RefusalReason): CloseCode {
  return REFUSAL_CLOSE_CODE[reason] ?? CloseCode.InternalError
}
