import type { RefusalReason } from './refusal.js'

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
  /** A state written under a client ID another agent claimed first in the room. */
  ClientIdTaken: 'client_id_taken',
  /** A subject's share of the room's inbound state bytes is spent. */
  SubjectRateLimited: 'subject_rate_limited',
} as const)

export type RelayErrorCode = (typeof RelayErrorCode)[keyof typeof RelayErrorCode]

// A frame error's code is its refusal reason: a code with no reason of that name fails here.
type FrameErrorCode = Exclude<RelayErrorCode, 'config' | 'bad_token'>
const _everyFrameErrorIsAReason: FrameErrorCode extends RefusalReason ? true : never = true
void _everyFrameErrorIsAReason

/**
 * The error codes raised while handling a frame, which close its connection: each is also the
 * refusal reason it is closed with (refusal.ts), so the error carries its reason.
 */
const FRAME_ERROR_CODES: ReadonlySet<string> = new Set([
  'bad_frame',
  'identity_mismatch',
  'state_too_large',
  'too_many_client_ids',
  'read_only',
  'signal_without_state',
  'client_id_taken',
  'subject_rate_limited',
])

export class RelayError extends Error {
  readonly code: RelayErrorCode

  constructor(code: RelayErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'RelayError'
    this.code = code
  }

  /** The refusal reason a connection is closed with for this error; null when not a frame's. */
  get reason(): RefusalReason | null {
    return FRAME_ERROR_CODES.has(this.code) ? (this.code as RefusalReason) : null
  }
}

/** True when `error` is a RelayError with `code`. */
export function isRelayError(error: unknown, code?: RelayErrorCode): error is RelayError {
  return error instanceof RelayError && (code === undefined || error.code === code)
}
