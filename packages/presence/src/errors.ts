/**
 * Errors of the presence clients, with a string `code` callers can switch on. Option and
 * token errors are thrown by the factories; the others reach the host app through
 * `onError(listener)` while the client carries on as the code says. An error about the
 * connection names the cause in its message: the relay's close reason (or, when it sent
 * none, the meaning of the code from `CloseReason`), so `4401` reads "bad or expired token".
 */
import { ClientCloseCode, CloseReason } from '@sightline/protocol'

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
  /** The relay refused the connection for good (`closeCode`, `closeReason`); the client stopped. */
  | 'refused'
  /**
   * Several attempts in a row ended before the relay admitted the tab: nothing listens at the
   * URL, the browser blocked the socket, or the relay keeps refusing (e.g. every token from
   * `getToken` is bad). `closeCode` and `closeReason` are the last attempt's; the client goes
   * on trying with backoff.
   */
  | 'connect-failed'

export class PresenceError extends Error {
  readonly code: PresenceErrorCode
  /** The WebSocket close code behind a `refused` or `connect-failed` error. */
  readonly closeCode: number | undefined
  /** What that close code means: the relay's close reason, else the code's documented one. */
  readonly closeReason: string | undefined

  constructor(
    code: PresenceErrorCode,
    message: string,
    options?: { cause?: unknown; closeCode?: number; closeReason?: string },
  ) {
    super(message, options)
    this.name = 'PresenceError'
    this.code = code
    this.closeCode = options?.closeCode
    this.closeReason = options?.closeReason
  }
}

/**
 * Why a socket closed, in words: the reason the relay sent with the code, else the code's
 * meaning. A browser hides why a socket never opened (refused port, DNS, a blocked address):
 * all it reports is 1006 with no reason, so that one names the usual suspects.
 */
export function closeCause(code: number, reason: string | undefined): string {
  if (reason !== undefined && reason !== '') return reason
  if (code === ClientCloseCode.ConnectionLost) {
    return 'no connection to the relay (nothing answers at this URL, or the browser blocked the socket: its console says which)'
  }
  return (CloseReason as Readonly<Record<number, string | undefined>>)[code] ?? `close code ${code}`
}
