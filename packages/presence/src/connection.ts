/**
 * One tab's connection to a relay room: the sockets' lifecycle as one state machine. Keeping
 * it alive is `liveness.ts`'s job; when to refresh the token, `handover.ts`'s.
 *
 *   phase         status                      left by
 *   idle          closed                      start() -> opening
 *   opening       connecting | reconnecting   open -> open; close, or no open in time -> waiting
 *   open          connected once admitted     a fresh token -> handing-over;
 *                                             close, bad frame, silence -> waiting
 *   handing-over  connected                   the new socket's heartbeat answered -> open (on it);
 *                                             it closes before taking over -> open (the old);
 *                                             it closes after, or the old one fails -> waiting
 *   waiting       connecting | reconnecting   backoff over (with a fresh token if asked) -> opening
 *   (any)         closed                      stop(), or a refusal -> idle
 *
 * Handing over: a second socket opens with the fresh token; once open, this tab's state goes
 * on it (the relay lets a connection of the same agent take its client ID over) with a
 * heartbeat, and frames go there from then on (`tookOverAt`); the relay's heartbeat answer on
 * it says the takeover was processed, and the old socket is closed. Presence never drops.
 *
 * `waiting` is the backoff before the next attempt; `reconnecting` rather than `connecting`
 * once the relay has admitted this tab at least once. A socket opens before the relay has
 * checked the token (it refuses with a close code after the upgrade), so the status turns
 * `connected` on the first frame the relay sends (it greets every joiner with the room's
 * document), not on open. `UNREACHABLE_AFTER` attempts in a row that end before that
 * surface as a `connect-failed` error naming the last cause. `destroy()` is `stop()` for good.
 */
import {
  ClientCloseCode,
  type CloseAction,
  CloseCode,
  closeAction,
  HEARTBEAT_FRAME,
  isHeartbeatFrame,
  KEEPALIVE_FRAME,
  ReadingDefaults,
  roomBaseUrl,
  roomUrl,
  type Timer,
  tokenSubprotocols,
} from '@sightline/protocol'
import { backoffDelay } from './backoff.js'
import { listen, type PresenceEnvironment } from './environment.js'
import { closeCause, PresenceError } from './errors.js'
import { TokenHandover } from './handover.js'
import { LivenessClock } from './liveness.js'
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

/** The resolved settings of one connection (what `ConnectionOptions` becomes, plus the room). */
export interface ConnectionConfig {
  readonly url: string
  readonly room: string
  readonly token: string
  readonly getToken?: (() => Promise<string>) | undefined
  readonly WebSocket: WebSocketCtor
  /** Where the token travels (see `ConnectionOptions.tokenIn`). Default `'protocol'`. */
  readonly tokenIn?: 'protocol' | 'query' | undefined
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
  /**
   * A frame arrived (heartbeats excluded); `reply` answers on the socket it came from. Throwing
   * means the frame could not be read: the connection starts over on a fresh socket.
   */
  message(frame: Uint8Array, reply: (frame: Uint8Array) => void): void
  /** The connection was lost: whatever came through it is stale now. */
  lost(): void
  /**
   * The relay refused this tab's client ID: another agent claimed it first in the room
   * (4409). The tab takes a fresh one before the connection rejoins, at once.
   */
  clientIdTaken?(): void
  status(status: ConnectionStatus): void
  /** Something went wrong that the host app may want to know; the connection carries on. */
  error(error: PresenceError): void
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
  config: ConnectionConfig,
  handlers: ConnectionHandlers,
): Connection {
  return new RelayConnection(config, handlers)
}

/** What to do once the backoff is over. */
type NextAttempt = 'retry' | 'refresh-token'

/**
 * Rejoins after 4409 made at once, in a row, before backing off: a fresh client ID is taken
 * by nobody, so a second refusal in a row means something else is wrong.
 */
const IMMEDIATE_REJOINS = 2

/**
 * Attempts in a row that end before admission after which the host app hears why
 * (`connect-failed`): one failure is a blip, three are a wrong URL, a blocked socket or a
 * relay that keeps refusing. At the default backoff that is within about a second.
 */
export const UNREACHABLE_AFTER = 3

type Phase =
  | { readonly name: 'idle' }
  | { readonly name: 'opening'; readonly socket: WebSocketLike }
  | { readonly name: 'open'; readonly socket: WebSocketLike }
  | {
      readonly name: 'handing-over'
      /** The socket that owns this tab's state until the new one took over. */
      readonly socket: WebSocketLike
      /** The socket opened with the fresh token. */
      readonly next: WebSocketLike
      /** When `next` opened and this tab's state was sent on it; null while it opens. */
      readonly tookOverAt: number | null
    }
  | { readonly name: 'waiting'; readonly timer: Timer; readonly next: NextAttempt }

class RelayConnection implements Connection {
  #phase: Phase = { name: 'idle' }
  #status: ConnectionStatus = 'connecting'
  #everConnected = false
  /** The relay admitted the current socket (it sent a frame). */
  #admitted = false
  /** Attempts in a row that ended before admission. */
  #failures = 0
  #destroyed = false
  /** Failed attempts since the relay last accepted us (the backoff exponent). */
  #attempt = 0
  /** 4409 refusals since the relay last answered a heartbeat. */
  #takenInARow = 0
  /**
   * Bytes received since this tab last sent a frame: past `ReadingDefaults.ackAfterBytes` it
   * sends a heartbeat, telling the relay it reads (the relay holds a reader that does not).
   */
  #unacked = 0

  readonly #now: () => number
  readonly #liveness: LivenessClock
  readonly #handover: TokenHandover
  readonly #stopEnvironment: () => void

  constructor(
    readonly config: ConnectionConfig,
    readonly handlers: ConnectionHandlers,
  ) {
    this.#now = config.now ?? (() => performance.now())
    this.#liveness = new LivenessClock({
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      livenessTimeoutMs: config.livenessTimeoutMs,
      now: this.#now,
      sendHeartbeat: () => this.#sendOn(this.#openSocket(), HEARTBEAT_FRAME),
      sendKeepalive: () => this.#sendOn(this.#openSocket(), KEEPALIVE_FRAME),
      onDead: () => this.#lose(ClientCloseCode.ConnectionLost, 'retry'),
    })
    this.#handover = new TokenHandover(
      config.token,
      {
        getToken: config.getToken,
        reconnectMinDelayMs: config.reconnectMinDelayMs,
        reconnectMaxDelayMs: config.reconnectMaxDelayMs,
        random: config.random,
        wallNow: config.wallNow ?? (() => Date.now()),
      },
      {
        canHandOver: () => this.#phase.name === 'open',
        handOver: (token) => this.#handOver(token),
        onError: (error) => handlers.error(error),
      },
    )
    this.#stopEnvironment = this.#listenToEnvironment(config.environment)
    this.#begin()
  }

  get status(): ConnectionStatus {
    return this.#status
  }

  send(frame: Uint8Array): boolean {
    // Once the new socket has taken over this tab's state, frames go there.
    const phase = this.#phase
    const next = phase.name === 'handing-over' && phase.tookOverAt !== null ? phase.next : null
    return this.#sendOn(next?.readyState === OPEN ? next : this.#openSocket(), frame)
  }

  probe(): void {
    const phase = this.#phase
    if (phase.name === 'idle') return
    this.#handover.refreshIfOverdue()
    if (phase.name === 'open' || phase.name === 'handing-over') {
      this.#liveness.restartGrace(true)
    } else if (phase.name === 'waiting') {
      clearTimeout(phase.timer)
      this.#connect()
    }
  }

  start(): void {
    if (this.#destroyed || this.#phase.name !== 'idle') return
    this.#begin()
  }

  stop(): void {
    this.#handover.stop()
    this.#enterIdle(CloseCode.Normal)
  }

  destroy(): void {
    this.#destroyed = true
    this.stop()
    this.#stopEnvironment()
  }

  // --- transitions -------------------------------------------------------------------------

  /** idle -> opening. */
  #begin(): void {
    this.#setStatus(this.#everConnected ? 'reconnecting' : 'connecting')
    this.#handover.start()
    this.#connect()
  }

  /** waiting | idle -> opening: a new socket with the current token. */
  #connect(): void {
    let socket: WebSocketLike
    try {
      socket = this.#newSocket(this.#handover.token)
    } catch (cause) {
      // The constructor refused the URL (a blocked port, a malformed address): an attempt
      // that failed like any other, reported with the others.
      this.#phase = { name: 'idle' }
      const reason = cause instanceof Error ? cause.message : String(cause)
      this.#failed(ClientCloseCode.ConnectionLost, reason, cause)
      this.#wait('retry')
      return
    }
    this.#admitted = false
    this.#phase = { name: 'opening', socket }
    this.#liveness.watchOpening()
  }

  /** opening -> open (admitted with the relay's first frame). */
  #opened(socket: WebSocketLike): void {
    this.#phase = { name: 'open', socket }
    this.#liveness.watchOpen()
    this.handlers.open((frame) => socket.send(sendable(frame)))
  }

  /** The relay's first frame on the open socket: it checked the token and let us in. */
  #admit(): void {
    this.#admitted = true
    this.#everConnected = true
    this.#failures = 0
    this.#setStatus('connected')
  }

  /**
   * An attempt ended before admission; after `UNREACHABLE_AFTER` in a row the host app
   * hears why (once per run of failures).
   */
  #failed(code: number, reason: string | undefined, cause?: unknown): void {
    if (++this.#failures !== UNREACHABLE_AFTER) return
    const closeReason = closeCause(code, reason)
    const { url, room } = this.config
    const message = `could not join ${room} at ${url} (${this.#failures} attempts): ${closeReason} (close code ${code})`
    this.handlers.error(
      new PresenceError('connect-failed', message, { cause, closeCode: code, closeReason }),
    )
  }

  /** open -> handing-over: a second socket with the fresh `token`. */
  #handOver(token: string): void {
    if (this.#phase.name !== 'open') return
    const next = this.#newSocket(token)
    this.#phase = { name: 'handing-over', socket: this.#phase.socket, next, tookOverAt: null }
  }

  /** handing-over: the new socket opened; this tab's state and a heartbeat go on it. */
  #tookOver(next: WebSocketLike): void {
    const phase = this.#phase
    if (phase.name !== 'handing-over') return
    const now = this.#now()
    this.#phase = { ...phase, tookOverAt: now }
    this.handlers.open((frame) => next.send(sendable(frame)))
    next.send(sendable(HEARTBEAT_FRAME))
    this.#liveness.setDeadline(now + this.config.livenessTimeoutMs)
  }

  /** handing-over -> open: the relay confirmed the takeover; the old socket is closed. */
  #handedOver(): void {
    const phase = this.#phase
    if (phase.name !== 'handing-over') return
    this.#phase = { name: 'open', socket: phase.next }
    closeDetached(phase.socket, CloseCode.Normal)
    this.#handover.handedOver()
    this.#liveness.setDeadline(null)
    this.#liveness.restartGrace()
  }

  /** handing-over: the new socket closed. */
  #handOverClosed(code: number, reason: string | undefined): void {
    const phase = this.#phase
    if (phase.name !== 'handing-over') return
    if (phase.tookOverAt !== null) {
      // It had taken over this tab's state, which the relay has now removed: start over.
      this.#lose(code, 'retry', reason)
      return
    }
    this.#phase = { name: 'open', socket: phase.socket }
    this.#handover.handOverFailed()
  }

  /** opening | open -> waiting (then opening again), or -> idle when the relay refused us. */
  #lose(code: number, action: CloseAction, reason?: string): void {
    const wasOpen = this.#phase.name === 'open' || this.#phase.name === 'handing-over'
    const beforeAdmission = this.#phase.name === 'opening' || !this.#admitted
    this.#admitted = false
    this.#closeSockets(code === CloseCode.BadFrame ? CloseCode.BadFrame : CloseCode.Normal)
    this.#liveness.stop()
    this.#phase = { name: 'idle' }
    if (wasOpen) this.handlers.lost()
    if (action === 'new-client-id') {
      this.handlers.clientIdTaken?.()
      this.#setStatus(this.#everConnected ? 'reconnecting' : 'connecting')
      if (this.#takenInARow++ < IMMEDIATE_REJOINS) this.#connect()
      else this.#wait('retry')
      return
    }
    if (action === 'stop' || (action === 'refresh-token' && this.config.getToken === undefined)) {
      const closeReason = closeCause(code, reason)
      const message = `the relay refused the connection: ${closeReason} (close code ${code})`
      this.handlers.error(new PresenceError('refused', message, { closeCode: code, closeReason }))
      this.#handover.stop()
      this.#enterIdle(CloseCode.Normal)
      return
    }
    if (beforeAdmission) this.#failed(code, reason)
    this.#setStatus(this.#everConnected ? 'reconnecting' : 'connecting')
    this.#wait(action)
  }

  /** -> waiting: the backoff before the next attempt. */
  #wait(next: NextAttempt): void {
    const delay = backoffDelay(this.#attempt++, {
      minDelayMs: this.config.reconnectMinDelayMs,
      maxDelayMs: this.config.reconnectMaxDelayMs,
      random: this.config.random,
    })
    const timer = setTimeout(() => {
      if (next === 'refresh-token') void this.#connectWithFreshToken()
      else this.#connect()
    }, delay)
    this.#phase = { name: 'waiting', timer, next }
  }

  async #connectWithFreshToken(): Promise<void> {
    const { token, stopped } = await this.#handover.fetch()
    if (stopped) return
    if (token === null) this.#wait('refresh-token')
    else this.#connect()
  }

  /** Any phase -> idle: every socket closed, every timer stopped, status `closed`. */
  #enterIdle(code: number): void {
    if (this.#phase.name === 'waiting') clearTimeout(this.#phase.timer)
    this.#closeSockets(code)
    this.#liveness.stop()
    this.#phase = { name: 'idle' }
    this.#setStatus('closed')
  }

  // --- sockets -----------------------------------------------------------------------------

  /** The socket that owns this tab's state while connected (the old one while handing over). */
  #openSocket(): WebSocketLike | null {
    const phase = this.#phase
    return phase.name === 'open' || phase.name === 'handing-over' ? phase.socket : null
  }

  #sendOn(socket: WebSocketLike | null, frame: Uint8Array): boolean {
    if (socket === null || socket.readyState !== OPEN) return false
    socket.send(sendable(frame))
    this.#unacked = 0
    if (socket === this.#openSocket()) this.#liveness.sent()
    return true
  }

  #newSocket(token: string): WebSocketLike {
    const { url, room, tokenIn } = this.config
    const socket =
      tokenIn === 'query'
        ? new this.config.WebSocket(roomUrl(url, room, token))
        : new this.config.WebSocket(roomBaseUrl(url, room), tokenSubprotocols(token))
    socket.binaryType = 'arraybuffer'
    socket.onopen = () => this.#onOpen(socket)
    socket.onmessage = ((event: MessageEventLike) => this.#onMessage(socket, event)) as (
      event: never,
    ) => void
    socket.onclose = ((event: CloseEventLike) =>
      this.#onClose(socket, event.code, event.reason)) as (event: never) => void
    // An error is always followed by a close event, which carries the decision.
    socket.onerror = () => {}
    return socket
  }

  /** The socket of the current phase (opening, open, or the old one handing over), if any. */
  #current(): WebSocketLike | null {
    const phase = this.#phase
    return phase.name === 'opening' || phase.name === 'open' || phase.name === 'handing-over'
      ? phase.socket
      : null
  }

  /** The socket being handed over to, if any. */
  #next(): WebSocketLike | null {
    return this.#phase.name === 'handing-over' ? this.#phase.next : null
  }

  #onOpen(socket: WebSocketLike): void {
    if (this.#phase.name === 'opening' && socket === this.#phase.socket) this.#opened(socket)
    else if (socket === this.#next()) this.#tookOver(socket)
  }

  #onMessage(socket: WebSocketLike, event: MessageEventLike): void {
    const fromHandover = socket === this.#next()
    if (socket !== this.#current() && !fromHandover) return
    this.#liveness.received()
    if (!fromHandover) this.#attempt = 0 // the relay accepted us: a healthy connection
    if (!fromHandover && !this.#admitted) this.#admit()
    const frame = messageBytes(event.data)
    if (frame === null) return
    if (isHeartbeatFrame(frame)) {
      // Our heartbeat follows our state on the socket: answered, so the state was accepted.
      this.#takenInARow = 0
      if (fromHandover && this.#phase.name === 'handing-over' && this.#phase.tookOverAt !== null) {
        this.#handedOver()
      }
      return
    }
    this.#unacked += frame.byteLength
    if (this.#unacked >= ReadingDefaults.ackAfterBytes) this.#sendOn(socket, HEARTBEAT_FRAME)
    try {
      this.handlers.message(frame, (reply) => {
        if (socket.readyState === OPEN) socket.send(sendable(reply))
      })
    } catch (cause) {
      // A frame we cannot read means this connection is not speaking our protocol any more:
      // start over on a fresh one rather than carry on with a half-applied state.
      const message = 'a frame from the relay could not be read'
      this.handlers.error(new PresenceError('bad-frame', message, { cause }))
      this.#lose(CloseCode.BadFrame, 'retry')
    }
  }

  #onClose(socket: WebSocketLike, code: number, reason: string | undefined): void {
    if (socket === this.#next()) {
      this.#handOverClosed(code, reason)
      return
    }
    if (socket !== this.#current()) return
    this.#lose(code, closeAction(code), reason)
  }

  /** Closes every socket without hearing their close events. */
  #closeSockets(code: number): void {
    const current = this.#current()
    if (current !== null) closeDetached(current, code)
    const next = this.#next()
    if (next === null) return
    closeDetached(next, code)
    this.#handover.handOverAbandoned()
  }

  // --- environment and status --------------------------------------------------------------

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
