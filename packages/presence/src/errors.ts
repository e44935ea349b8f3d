/** Errors the presence client throws, with a string `code` callers can switch on. */
export type PresenceErrorCode = 'bad-token' | 'bad-option' | 'no-websocket'

export class PresenceError extends Error {
  readonly code: PresenceErrorCode

  constructor(code: PresenceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'PresenceError'
    this.code = code
  }
}
