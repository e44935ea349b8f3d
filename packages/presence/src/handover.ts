/**
 * Token refresh without a gap in presence. Ahead of the token's `exp` the client asks the
 * host for a new token and opens a second socket with it. Once that socket is open, the owner
 * sends this tab's state on it (the relay lets a connection of the same subject take over its
 * client ID) and a heartbeat; when the relay's heartbeat answer arrives on the new socket the
 * relay has processed the takeover, and the old socket is closed. Presence never drops.
 *
 * While the connection is not open, a fresh token is only stored: the next (re)connect uses it.
 */
import { backoffDelay } from './backoff.js'
import { PresenceError } from './errors.js'
import { refreshDelay, tokenExpiry } from './token.js'
import type { WebSocketLike } from './websocket-like.js'

export interface HandoverHost {
  /** Whether the connection is open now, so that a handover can take place. */
  readonly isOpen: () => boolean
  /** Opens a socket with `token` whose events the host routes back here. */
  readonly open: (token: string) => WebSocketLike
  readonly onError: (error: PresenceError) => void
}

export interface HandoverOptions {
  readonly getToken: (() => Promise<string>) | undefined
  readonly reconnectMinDelayMs: number
  readonly reconnectMaxDelayMs: number
  readonly random?: (() => number) | undefined
  /** Wall clock, ms since the epoch (token expiry). */
  readonly wallNow: () => number
}

type Timer = ReturnType<typeof setTimeout>

/** setTimeout's largest delay. */
const MAX_TIMEOUT = 2 ** 31 - 1

/** The current token, its refresh timer, and the second socket while one takes over. */
export class TokenHandover {
  #token: string
  /** The socket opened with a fresh token; `openedAt` set once it opened and took over. */
  #pending: { readonly socket: WebSocketLike; openedAt: number | null } | null = null
  #timer: Timer | null = null
  #attempt = 0
  #refreshing = false
  /** Bumped by `stop()`, so a token that arrives after it is dropped. */
  #generation = 0
  #stopped = true

  constructor(
    token: string,
    readonly options: HandoverOptions,
    readonly host: HandoverHost,
  ) {
    this.#token = token
  }

  /** The token the next socket opens with. */
  get token(): string {
    return this.#token
  }

  set token(token: string) {
    this.#token = token
    this.schedule()
  }

  /** The socket waiting to take over, if any. */
  get socket(): WebSocketLike | null {
    return this.#pending?.socket ?? null
  }

  /** When the waiting socket opened and took over, or null (none, or still opening). */
  get openedAt(): number | null {
    return this.#pending?.openedAt ?? null
  }

  /** Starts refreshing ahead of expiry (again, after `stop()`). */
  start(): void {
    this.#stopped = false
    this.schedule()
  }

  /** Plans the next refresh from the current token's `exp` (none without `getToken`). */
  schedule(): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    if (this.options.getToken === undefined || this.#stopped) return
    const expiresAt = tokenExpiry(this.#token)
    if (expiresAt === null) return
    const delay = refreshDelay(expiresAt, this.options.wallNow())
    this.#timer = setTimeout(() => void this.#refresh(), Math.min(delay, MAX_TIMEOUT))
  }

  /** Long timers may not fire on time after sleep: refreshes an overdue token now. */
  refreshIfOverdue(): void {
    if (this.#timer === null || this.#refreshing) return
    const expiresAt = tokenExpiry(this.#token)
    if (expiresAt !== null && refreshDelay(expiresAt, this.options.wallNow()) <= 0) {
      clearTimeout(this.#timer)
      void this.#refresh()
    }
  }

  /** The waiting socket opened and the host sent the takeover on it. */
  opened(at: number): void {
    if (this.#pending !== null) this.#pending.openedAt = at
  }

  /**
   * The relay confirmed the takeover: returns the socket that now owns the state (the host
   * closes its old one) and plans the next refresh.
   */
  complete(): WebSocketLike | null {
    const pending = this.#pending
    this.#pending = null
    this.#attempt = 0
    this.#refreshing = false
    this.schedule()
    return pending?.socket ?? null
  }

  /**
   * The waiting socket closed. Returns true when it had already taken over this tab's state
   * (which the relay has now removed: the host starts over); else a refresh is retried later.
   */
  closed(): boolean {
    const tookOver = this.#pending?.openedAt != null
    this.#pending = null
    if (!tookOver) this.#retryLater()
    return tookOver
  }

  /**
   * Forgets the waiting socket without closing it (the host closes every socket). Its token
   * is already the current one: the next refresh is planned from it.
   */
  drop(): WebSocketLike | null {
    const socket = this.#pending?.socket ?? null
    if (socket === null) return null
    this.#pending = null
    this.#refreshing = false
    this.schedule()
    return socket
  }

  /** Stops refreshing; a token requested before is dropped when it arrives. */
  stop(): void {
    this.#generation++
    this.#stopped = true
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    this.#refreshing = false
  }

  /**
   * Asks the host for a fresh token (after a 4401 close). Resolves with it, or with null when
   * the host failed (reported) or the handover was stopped meanwhile (`stopped` true).
   */
  async fetch(): Promise<{ token: string | null; stopped: boolean }> {
    const getToken = this.options.getToken
    if (getToken === undefined) return { token: null, stopped: false }
    const generation = this.#generation
    let token: string | null = null
    try {
      token = await getToken()
    } catch (cause) {
      if (generation === this.#generation) this.host.onError(refreshFailed(cause))
    }
    if (generation !== this.#generation) return { token: null, stopped: true }
    if (token !== null) this.token = token
    return { token, stopped: false }
  }

  #retryLater(): void {
    this.#refreshing = false
    if (this.#stopped) return
    if (this.#timer !== null) clearTimeout(this.#timer)
    const delay = backoffDelay(this.#attempt++, {
      minDelayMs: Math.max(this.options.reconnectMinDelayMs, 1000),
      maxDelayMs: Math.max(this.options.reconnectMaxDelayMs, 1000),
      random: this.options.random,
    })
    this.#timer = setTimeout(() => void this.#refresh(), delay)
  }

  async #refresh(): Promise<void> {
    this.#timer = null
    const getToken = this.options.getToken
    if (getToken === undefined || this.#stopped) return
    this.#refreshing = true
    const generation = this.#generation
    let token: string
    try {
      token = await getToken()
    } catch (cause) {
      if (generation === this.#generation) {
        this.host.onError(refreshFailed(cause))
        this.#retryLater()
      }
      return
    }
    if (generation !== this.#generation) return
    this.#token = token
    if (!this.host.isOpen() || this.#pending !== null) {
      // The next (re)connect uses the new token.
      this.#refreshing = false
      this.schedule()
      return
    }
    this.#pending = { socket: this.host.open(token), openedAt: null }
  }
}

function refreshFailed(cause: unknown): PresenceError {
  return new PresenceError('token-refresh-failed', 'getToken() failed', { cause })
}
