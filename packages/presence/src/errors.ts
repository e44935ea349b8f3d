/**
 * Errors of the presence clients, with a string `code` callers can switch on. Option and
 * token errors are thrown by the factories; the others reach the host app through
 * `onError(listener)` while the client carries on as the code says.
 */
export type PresenceErrorCode =
  /** The token is not a JWT with `sub` and `name` (thrown). */
  | 'bad-token'
  /** An option is out of range (thrown). */
  | 'bad-option'
  /** No WebSocket constructor available (thrown). */
  | 'no-websocket'
  /** `getToken()` failed; the client tries again with backoff. */
  | 'token-refresh-failed'
  /** A frame from the relay could not be read or applied; the client reconnects. */
  | 'bad-frame'
  /** The relay refused the connection for good (`closeCode`); the client stopped. */
  | 'refused'

export class PresenceError extends Error {
  readonly code: PresenceErrorCode
  /** The WebSocket close code behind a `refused` error. */
  readonly closeCode: number | undefined

  constructor(
    code: PresenceErrorCode,
    message: string,
    options?: { cause?: unknown; closeCode?: number },
  ) {
    super(message, options)
    this.name = 'PresenceError'
    this.code = code
    this.closeCode = options?.closeCode
  }
}
