/**
 * Every close code the relay sends, in one place. 4xxx codes mirror HTTP statuses.
 * Clients treat 4400-4499 as "do not retry as is" (y-websocket does the same), except the
 * codes listed in `RetryableCloseCodes`.
 */
export const CloseCode = Object.freeze({
  /** Normal closure: the client left (the relay never sends it). */
  Normal: 1000,
  /** The peer is going away (page unload, process exit). */
  GoingAway: 1001,
  /** The peer broke a rule that has no more specific code (e.g. repeated forged writes). */
  PolicyViolation: 1008,
  /** The relay hit an unexpected error handling this connection (never a crash). */
  InternalError: 1011,
  /** The relay is restarting or draining; reconnect promptly. */
  Restarting: 1012,
  /** The relay is overloaded (connection or room limits); try again later. */
  TryAgainLater: 1013,
  /** A frame could not be decoded (bad varint, unknown type, truncated payload, bad JSON). */
  BadFrame: 4400,
  /** The token is missing, malformed, badly signed, expired, or lacks a required claim. */
  BadToken: 4401,
  /** The token is valid but does not grant this room, or the origin is not allowed. */
  Forbidden: 4403,
  /** The room name is not a valid Sightline room name. */
  BadRoom: 4404,
  /**
   * The client tried to write what only the relay writes: the room's document (clients
   * announce replies with a signal), or anything at all in a read-only mailbox room.
   */
  ReadOnly: 4405,
  /**
   * The awareness client ID the connection wrote under belongs to another agent in this room
   * (the first to claim it, for the room's lifetime). Sightline's client picks a fresh client
   * ID and rejoins at once; a stock client stops.
   */
  ClientIdTaken: 4409,
  /** A frame or an awareness state is larger than allowed. */
  TooLarge: 4413,
  /** The connection sent more messages than its rate allows, or a subject opened too many. */
  RateLimited: 4429,
  /** The connection's send buffer passed its bound (the reader is too slow). */
  SlowConsumer: 4508,
} as const)

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode]

/** A one-line reason per code, sent as the WebSocket close reason and used in docs and logs. */
export const CloseReason: Readonly<Record<CloseCode, string>> = Object.freeze({
  [CloseCode.Normal]: 'normal closure',
  [CloseCode.GoingAway]: 'going away',
  [CloseCode.PolicyViolation]: 'policy violation',
  [CloseCode.InternalError]: 'internal error',
  [CloseCode.Restarting]: 'relay restarting',
  [CloseCode.TryAgainLater]: 'relay at capacity, try again later',
  [CloseCode.BadFrame]: 'malformed frame',
  [CloseCode.BadToken]: 'bad or expired token',
  [CloseCode.Forbidden]: 'room not granted',
  [CloseCode.BadRoom]: 'invalid room name',
  [CloseCode.ReadOnly]: 'room document is read-only',
  [CloseCode.ClientIdTaken]: 'client ID taken',
  [CloseCode.TooLarge]: 'too large',
  [CloseCode.RateLimited]: 'rate limited',
  [CloseCode.SlowConsumer]: 'slow consumer',
})

/**
 * Codes a client reports for a socket it lost without the relay closing it. The relay never
 * sends these (WebSocket forbids sending 1006 in a close frame); they name what the presence
 * client hands to its own close handling, so no bare number stands for them.
 */
export const ClientCloseCode = Object.freeze({
  /**
   * The connection is gone without a close frame: the network dropped it, the handshake never
   * completed, or the client's own liveness check heard nothing back within its timeout.
   */
  ConnectionLost: 1006,
} as const)

export type ClientCloseCode = (typeof ClientCloseCode)[keyof typeof ClientCloseCode]

/** Close codes in the 4400-4499 range after which a client may retry (with backoff). */
export const RetryableCloseCodes: ReadonlySet<number> = new Set<number>([CloseCode.RateLimited])

export type CloseAction = 'retry' | 'refresh-token' | 'new-client-id' | 'stop'

/**
 * What a client should do after the socket closed with `code`:
 * - `retry`: reconnect with backoff;
 * - `refresh-token`: get a fresh token, then reconnect;
 * - `new-client-id`: reconnect at once under a fresh awareness client ID (4409);
 * - `stop`: do not reconnect (the room is not granted or invalid).
 */
export function closeAction(code: number): CloseAction {
  if (code === CloseCode.BadToken) return 'refresh-token'
  if (code === CloseCode.ClientIdTaken) return 'new-client-id'
  if (code >= 4400 && code <= 4499 && !RetryableCloseCodes.has(code)) return 'stop'
  return 'retry'
}
