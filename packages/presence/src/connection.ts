/**
 * One tab's connection to a relay room: open, keep alive, reconnect, refresh the token.
 *
 * States: `connecting` (until the first socket opens) -> `connected` -> `reconnecting` (lost;
 * waiting for a backoff delay, a token, or a socket to open) -> `connected` ... -> `closed`.
 *
 * Liveness (docs/architecture.md): browsers cannot see WebSocket pings, so the tab sends a
 * heartbeat frame every `heartbeatIntervalMs` and the relay answers it. When nothing arrived for
 * `livenessTimeoutMs` and a heartbeat went out in that time, the connection is dead. When our
 * own timer fires much later than scheduled (frozen or throttled page), nothing is judged: we
 * send a heartbeat and give the relay a full timeout to answer. All timing is monotonic.
 *
 * Token refresh: ahead of `exp` the connection asks for a new token and opens a second socket
 * with it. Once that socket is open, the owner sends this tab's state on it (the relay lets a
 * connection of the same subject take over its client ID) and a heartbeat; when the relay's
 * heartbeat answer arrives on the new socket it has processed the takeover, and the old socket
 * is closed. Presence never drops.
 */
import {
  CloseCode,
  closeAction,
  HEARTBEAT_FRAME,
  isHeartbeatFrame,
  roomUrl,
} from '@sightline/protocol'
import { backoffDelay } from './backoff.js'
import { listen, type PresenceEnvironment } from './environment.js'
import { refreshDelay, tokenExpiry } from './token.js'
import {
  type CloseEventLike,
  type MessageEventLike,
  messageBytes,
  OPEN,
  sendable,
  type WebSocketCtor,
  type WebSocketLike,
} from './websocket-like.js'

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'closed'

export interface ConnectionOptions {
  readonly url: string
  readonly room: string
  readonly token: string
  readonly getToken?: (() => Promise<string>) | undefined
  readonly WebSocket: WebSocketCtor
  readonly environment: PresenceEnvironment | null
  readonly heartbeatIntervalMs: number
  readonly livenessTimeoutMs: number
  readonly reconnectMinDelayMs: number
  readonly reconnectMaxDelayMs: number
  /** Monotonic clock, ms. Default `performance.now()`. */
  readonly now?: (() => number) | undefined
  /** Wall clock, ms since the epoch (token expiry only). Default `Date.now()`. */
  readonly wallNow?: (() => number) | undefined
  /** Uniform random in [0, 1) for backoff jitter. Default `Math.random`. */
  readonly random?: (() => number) | undefined
}

export interface ConnectionHandlers {
  /** A socket opened (first connect, reconnect or token handover): send this tab's state on it. */
  open(send: (frame: Uint8Array) => void): void
  /** A frame arrived (heartbeats excluded); `reply` answers on the socket it came from. */
  message(frame: Uint8Array, reply: (frame: Uint8Array) => void): void
  /** The connection was lost: whatever came through it is stale now. */
  lost(): void
  status(status: ConnectionStatus): void
}

export interface Connection {
  readonly status: ConnectionStatus
  /** Sends on the socket that owns this tab's state; false (dropped) when none is open. */
  send(frame: Uint8Array): boolean
  /** Checks the connection now (network or page came back): heartbeat, or reconnect at once. */
  probe(): void
  /** Leaves: closes every socket with 1000 and stops (status `closed`). */
  stop(): void
  /** Starts again after `stop()`. */
  start(): void
  /** `stop()` for good, and removes the environment listeners. */
  destroy(): void
}

/** Opens the connection at once. */
export function createConnection(
  options: ConnectionOptions,
  handlers: ConnectionHandlers,
): Connection {
  return new RelayConnection(options, handlers)
}

/** A second socket opened with a fresh token, waiting to take over from the current one. */
interface Handover {
  readonly socket: WebSocketLike
  /** When it opened and sent the takeover (monotonic), or null while still opening. */
  openedAt: number | null
}

type Timer = ReturnType<typeof setTimeout>

const MAX_TIMEOUT = 2 ** 31 - 1

class RelayConnection implements Connection {
  #status: ConnectionStatus = 'connecting'
  #token: string
  #everConnected = false
  #startedOnce = false
  #destroyed = false

  /** The socket that owns this tab's state (open or opening), if any. */
  #socket: WebSocketLike | null = null
  #socketOpen = false
  #connectStartedAt = 0
  #handover: Handover | null = null

  #attempt = 0
  #retryTimer: Timer | null = null
  #refreshTimer: Timer | null = null
  #refreshAttempt = 0
  #refreshing = false
  /** Bumped by `stop()`, so async work started before it does nothing after it. */
  #generation = 0

  // Liveness, monotonic ms.
  #lastReceivedAt = 0
  #lastHeartbeatAt = Number.NEGATIVE_INFINITY
  /** Judge only silence after this instant (set when waking up or probing). */
  #graceFrom = 0
  #tickTimer: Timer | null = null
  #tickDueAt = 0

  readonly #now: () => number
  readonly #wallNow: () => number
  readonly #stopEnvironment: () => void

  constructor(
    readonly options: ConnectionOptions,
    readonly handlers: ConnectionHandlers,
  ) {
    this.#token = options.token
    this.#now = options.now ?? (() => performance.now())
    this.#wallNow = options.wallNow ?? (() => Date.now())
    this.#stopEnvironment = this.#listenToEnvironment(options.environment)
    this.start()
  }

  get status(): ConnectionStatus {
    return this.#status
  }

  send(frame: Uint8Array): boolean {
    const target = this.#sendTarget()
    if (target === null) return false
    target.send(sendable(frame))
    return true
  }

  probe(): void {
    if (this.#status === 'closed') return
    this.#maybeRefreshNow()
    if (this.#socketOpen) {
      const now = this.#now()
      this.#graceFrom = now
      this.#heartbeat(now)
      this.#schedule()
    } else if (this.#retryTimer !== null) {
      clearTimeout(this.#retryTimer)
      this.#retryTimer = null
      this.#connect()
    }
  }

  start(): void {
    if (this.#destroyed || (this.#status !== 'closed' && this.#startedOnce)) return
    this.#startedOnce = true
    this.#setStatus(this.#everConnected ? 'reconnecting' : 'connecting')
    this.#scheduleRefresh()
    this.#connect()
  }

  stop(): void {
    this.#generation++
    this.#clearTimers()
    this.#dropSockets(CloseCode.Normal)
    this.#setStatus('closed')
  }

  destroy(): void {
    this.#destroyed = true
    this.stop()
    this.#stopEnvironment()
  }

  // --- sockets -------------------------------------------------------------------------------

  /** Frames go to the handover socket once it has taken over, else to the current one. */
  #sendTarget(): WebSocketLike | null {
    const h = this.#handover
    if (h !== null && h.openedAt !== null && h.socket.readyState === OPEN) return h.socket
    const s = this.#socket
    return s !== null && this.#socketOpen && s.readyState === OPEN ? s : null
  }

  #open(token: string): WebSocketLike {
    const socket = new this.options.WebSocket(roomUrl(this.options.url, this.options.room, token))
    socket.binaryType = 'arraybuffer'
    socket.onopen = () => this.#onOpen(socket)
    socket.onmessage = ((event: MessageEventLike) => this.#onMessage(socket, event)) as (
      event: never,
    ) => void
    socket.onclose = ((event: CloseEventLike) => this.#onClose(socket, event.code)) as (
      event: never,
    ) => void
    // An error is always followed by a close event, which carries the decision.
    socket.onerror = () => {}
    return socket
  }

  #connect(): void {
    this.#retryTimer = null
    this.#socketOpen = false
    this.#connectStartedAt = this.#now()
    this.#socket = this.#open(this.#token)
    this.#schedule()
  }

  #onOpen(socket: WebSocketLike): void {
    if (socket === this.#socket) {
      const now = this.#now()
      this.#socketOpen = true
      this.#everConnected = true
      this.#lastReceivedAt = now
      this.#graceFrom = now
      this.#lastHeartbeatAt = Number.NEGATIVE_INFINITY
      this.handlers.open((frame) => socket.send(sendable(frame)))
      this.#setStatus('connected')
      this.#schedule()
    } else if (this.#handover?.socket === socket) {
      this.#handover.openedAt = this.#now()
      this.handlers.open((frame) => socket.send(sendable(frame)))
      socket.send(sendable(HEARTBEAT_FRAME))
    }
  }

  #onMessage(socket: WebSocketLike, event: MessageEventLike): void {
    const handover = this.#handover?.socket === socket ? this.#handover : null
    if (socket !== this.#socket && handover === null) return
    this.#lastReceivedAt = this.#now()
    if (socket === this.#socket) this.#attempt = 0 // the relay accepted us: a healthy connection
    const frame = messageBytes(event.data)
    if (frame === null) return
    if (isHeartbeatFrame(frame)) {
      if (handover?.openedAt != null) this.#completeHandover(handover)
      return
    }
    try {
      this.handlers.message(frame, (reply) => {
        if (socket.readyState === OPEN) socket.send(sendable(reply))
      })
    } catch {
      // A frame we cannot read means this connection is not speaking our protocol any more:
      // start over on a fresh one rather than carry on with a half-applied state.
      this.#lose(CloseCode.BadFrame, 'retry')
    }
  }

  #onClose(socket: WebSocketLike, code: number): void {
    const handover = this.#handover
    if (handover?.socket === socket) {
      this.#handover = null
      if (handover.openedAt !== null) {
        // It had taken over this tab's state, which the relay has now removed: start over.
        this.#lose(code, 'retry')
      } else {
        this.#retryRefreshLater()
      }
      return
    }
    if (socket !== this.#socket) return
    this.#lose(code, closeAction(code))
  }

  /** The new socket owns the state and the relay confirmed it: retire the old one. */
  #completeHandover(handover: Handover): void {
    this.#handover = null
    const old = this.#socket
    this.#socket = handover.socket
    this.#socketOpen = true
    if (old !== null) closeDetached(old, CloseCode.Normal)
    this.#graceFrom = this.#now()
    this.#refreshAttempt = 0
    this.#refreshing = false
    this.#scheduleRefresh()
    this.#schedule()
  }

  /** Closes every socket without hearing their close events. */
  #dropSockets(code: number): void {
    if (this.#socket !== null) closeDetached(this.#socket, code)
    if (this.#handover !== null) closeDetached(this.#handover.socket, code)
    this.#socket = null
    this.#handover = null
    this.#socketOpen = false
  }

  /** The connection is gone: clear what came through it, then retry, refresh or stop. */
  #lose(code: number, action: 'retry' | 'refresh-token' | 'stop'): void {
    const wasOpen = this.#socketOpen || this.#handover?.openedAt != null
    this.#dropSockets(code === CloseCode.BadFrame ? CloseCode.BadFrame : CloseCode.Normal)
    if (this.#tickTimer !== null) clearTimeout(this.#tickTimer)
    this.#tickTimer = null
    if (wasOpen) this.handlers.lost()
    if (action === 'stop' || (action === 'refresh-token' && this.options.getToken === undefined)) {
      this.#clearTimers()
      this.#setStatus('closed')
      return
    }
    this.#setStatus(this.#everConnected ? 'reconnecting' : 'connecting')
    const delay = backoffDelay(this.#attempt++, {
      minDelayMs: this.options.reconnectMinDelayMs,
      maxDelayMs: this.options.reconnectMaxDelayMs,
      random: this.options.random,
    })
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null
      if (action === 'refresh-token') void this.#reconnectWithFreshToken()
      else this.#connect()
    }, delay)
  }

  async #reconnectWithFreshToken(): Promise<void> {
    const getToken = this.options.getToken
    if (getToken === undefined) return
    const generation = this.#generation
    let token: string | null = null
    try {
      token = await getToken()
    } catch {
      token = null
    }
    if (generation !== this.#generation) return // stopped meanwhile
    if (token === null) {
      this.#lose(CloseCode.BadToken, 'refresh-token')
      return
    }
    this.#token = token
    this.#scheduleRefresh()
    this.#connect()
  }

  // --- liveness ------------------------------------------------------------------------------

  #heartbeat(now: number): void {
    const target = this.#socket
    if (target === null || !this.#socketOpen || target.readyState !== OPEN) return
    target.send(sendable(HEARTBEAT_FRAME))
    this.#lastHeartbeatAt = now
  }

  /** How late a timer may fire before we assume the page was frozen or throttled. */
  get #lateThreshold(): number {
    return Math.max(this.options.heartbeatIntervalMs, 1000)
  }

  #schedule(): void {
    if (this.#tickTimer !== null) clearTimeout(this.#tickTimer)
    this.#tickTimer = null
    if (this.#socket === null) return
    const now = this.#now()
    const { heartbeatIntervalMs, livenessTimeoutMs } = this.options
    let due: number
    if (!this.#socketOpen) {
      due = this.#connectStartedAt + livenessTimeoutMs
    } else {
      const anchor = Math.max(this.#lastReceivedAt, this.#graceFrom)
      due = Math.min(this.#lastHeartbeatAt + heartbeatIntervalMs, anchor + livenessTimeoutMs)
      const h = this.#handover
      if (h?.openedAt != null) due = Math.min(due, h.openedAt + livenessTimeoutMs)
    }
    if (!(due > now)) due = now
    this.#tickDueAt = due
    this.#tickTimer = setTimeout(() => this.#tick(), Math.min(due - now, MAX_TIMEOUT))
  }

  #tick(): void {
    this.#tickTimer = null
    const now = this.#now()
    const late = now - this.#tickDueAt > this.#lateThreshold
    const { heartbeatIntervalMs, livenessTimeoutMs } = this.options
    if (late) {
      // The page was frozen or throttled: frames may be queued behind this timer. Do not judge.
      this.#graceFrom = now
      if (!this.#socketOpen) this.#connectStartedAt = now
      this.#heartbeat(now)
      this.#schedule()
      return
    }
    if (!this.#socketOpen) {
      // The socket never opened (black-holed handshake): give up on it and retry.
      if (now - this.#connectStartedAt >= livenessTimeoutMs) this.#lose(1006, 'retry')
      else this.#schedule()
      return
    }
    const h = this.#handover
    if (h?.openedAt != null && now - h.openedAt >= livenessTimeoutMs) {
      // The new socket took over but the relay never confirmed: that state is in limbo.
      this.#lose(1006, 'retry')
      return
    }
    const anchor = Math.max(this.#lastReceivedAt, this.#graceFrom)
    if (this.#lastHeartbeatAt >= anchor && now - anchor >= livenessTimeoutMs) {
      this.#lose(1006, 'retry')
      return
    }
    if (now - this.#lastHeartbeatAt >= heartbeatIntervalMs) this.#heartbeat(now)
    this.#schedule()
  }

  // --- token refresh -------------------------------------------------------------------------

  #scheduleRefresh(): void {
    if (this.#refreshTimer !== null) clearTimeout(this.#refreshTimer)
    this.#refreshTimer = null
    if (this.options.getToken === undefined || this.#destroyed) return
    const expiresAt = tokenExpiry(this.#token)
    if (expiresAt === null) return
    const delay = refreshDelay(expiresAt, this.#wallNow())
    this.#refreshTimer = setTimeout(() => void this.#refresh(), Math.min(delay, MAX_TIMEOUT))
  }

  /** Long timers may not fire on time after sleep: a probe refreshes an overdue token. */
  #maybeRefreshNow(): void {
    if (this.#refreshTimer === null || this.#refreshing) return
    const expiresAt = tokenExpiry(this.#token)
    if (expiresAt !== null && refreshDelay(expiresAt, this.#wallNow()) <= 0) {
      clearTimeout(this.#refreshTimer)
      void this.#refresh()
    }
  }

  #retryRefreshLater(): void {
    this.#refreshing = false
    if (this.#status === 'closed') return
    if (this.#refreshTimer !== null) clearTimeout(this.#refreshTimer)
    const delay = backoffDelay(this.#refreshAttempt++, {
      minDelayMs: Math.max(this.options.reconnectMinDelayMs, 1000),
      maxDelayMs: Math.max(this.options.reconnectMaxDelayMs, 1000),
      random: this.options.random,
    })
    this.#refreshTimer = setTimeout(() => void this.#refresh(), delay)
  }

  async #refresh(): Promise<void> {
    this.#refreshTimer = null
    const getToken = this.options.getToken
    if (getToken === undefined || this.#status === 'closed') return
    this.#refreshing = true
    const generation = this.#generation
    let token: string
    try {
      token = await getToken()
    } catch {
      if (generation === this.#generation) this.#retryRefreshLater()
      return
    }
    if (generation !== this.#generation) return
    this.#token = token
    if (this.#status !== 'connected' || this.#handover !== null) {
      // The next (re)connect uses the new token.
      this.#refreshing = false
      this.#scheduleRefresh()
      return
    }
    this.#handover = { socket: this.#open(token), openedAt: null }
  }

  // --- environment and housekeeping ----------------------------------------------------------

  #listenToEnvironment(environment: PresenceEnvironment | null): () => void {
    if (environment === null) return () => {}
    const probe = () => this.probe()
    const stopWindow = listen(environment.window, ['online', 'offline', 'pageshow'], probe)
    const stopResume = listen(environment.document, ['resume'], probe)
    const stopVisible = listen(environment.document, ['visibilitychange'], () => {
      if (environment.document.visibilityState === 'visible') probe()
    })
    return () => {
      stopWindow()
      stopResume()
      stopVisible()
    }
  }

  #clearTimers(): void {
    for (const timer of [this.#retryTimer, this.#refreshTimer, this.#tickTimer]) {
      if (timer !== null) clearTimeout(timer)
    }
    this.#retryTimer = null
    this.#refreshTimer = null
    this.#tickTimer = null
    this.#refreshing = false
  }

  #setStatus(status: ConnectionStatus): void {
    if (status === this.#status) return
    this.#status = status
    this.handlers.status(status)
  }
}

/** Closes `socket` after detaching our handlers, so its close event changes nothing. */
function closeDetached(socket: WebSocketLike, code: number): void {
  socket.onopen = null
  socket.onmessage = null
  socket.onclose = null
  // Keep an error handler: `ws` throws on an 'error' event nobody listens to.
  socket.onerror = () => {}
  try {
    socket.close(code)
  } catch {
    // Closing a socket that is still connecting throws in some implementations; it is dropped.
  }
}
