/**
 * The token's lifecycle: when to refresh it, asking the host app for a new one (with backoff
 * when that fails), and the token the next socket opens with.
 *
 * Ahead of the token's `exp` a fresh token is fetched; while the connection is open the
 * connection then hands over to a second socket opened with it (the `handing-over` phase of
 * connection.ts, which owns both sockets): presence never drops. While the connection is not
 * open, a fresh token is only stored: the next (re)connect uses it.
 */
import { MAX_TIMEOUT, type Timer } from '@sightline/protocol'
import { backoffDelay } from './backoff.js'
import { PresenceError } from './errors.js'
import { refreshDelay, tokenExpiry } from './token.js'

export interface HandoverHost {
  /** Whether the connection is open (and not handing over already): a handover can start. */
  readonly canHandOver: () => boolean
  /**
   * Opens a second socket with `token` and hands over to it; the host tells `handedOver`,
   * `handOverFailed` or `handOverAbandoned` how it ended.
   */
  readonly handOver: (token: string) => void
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

/** The current token and its refresh timer. */
export class TokenHandover {
  #token: string
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

  /** The handover ended well: the new socket owns the state. Plans the next refresh. */
  handedOver(): void {
    this.#attempt = 0
    this.#refreshing = false
    this.schedule()
  }

  /** The new socket closed before it took over: the refresh is tried again later. */
  handOverFailed(): void {
    this.#retryLater()
  }

  /**
   * The handover was dropped with the connection (the host closes every socket). Its token
   * is already the current one: the next refresh is planned from it.
   */
  handOverAbandoned(): void {
    this.#refreshing = false
    this.schedule()
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
    if (!this.host.canHandOver()) {
      // The next (re)connect uses the new token.
      this.#refreshing = false
      this.schedule()
      return
    }
    this.host.handOver(token)
  }
}

function refreshFailed(cause: unknown): PresenceError {
  return new PresenceError('token-refresh-failed', 'getToken() failed', { cause })
}
