/**
 * Typed errors of the relay. Every error the relay raises on purpose carries a string `code`
 * (stable, for logs and tests) and, when it wraps another error, that error as `cause`.
 */
export const RelayErrorCode = Object.freeze({
  /** Options or environment variables are invalid; the relay refuses to start. */
  Config: 'config',
  /** A token is missing, malformed, badly signed, expired or lacks a claim. */
  BadToken: 'bad_token',
  /** A frame could not be decoded or carries an invalid awareness state. */
  BadFrame: 'bad_frame',
  /** A state claims an identity other than the token's. */
  IdentityMismatch: 'identity_mismatch',
  /** An awareness state is larger than `maxStateBytes`. */
  StateTooLarge: 'state_too_large',
  /** A client wrote what only the relay writes (the room document, a mailbox room). */
  ReadOnly: 'read_only',
  /** A signal from a connection that has no presence state in its room (nobody to name). */
  SignalWithoutState: 'signal_without_state',
  /** A connection tried to introduce more than `maxClientIdsPerConnection` client IDs. */
  TooManyClientIds: 'too_many_client_ids',
} as const)

export type RelayErrorCode = (typeof RelayErrorCode)[keyof typeof RelayErrorCode]

export class RelayError extends Error {
  readonly code: RelayErrorCode

  constructor(code: RelayErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'RelayError'
    this.code = code
  }
}

/** True when `error` is a RelayError with `code`. */
export function isRelayError(error: unknown, code?: RelayErrorCode): error is RelayError {
  return error instanceof RelayError && (code === undefined || error.code === code)
}
