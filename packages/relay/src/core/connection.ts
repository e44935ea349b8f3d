/**
 * One admitted WebSocket in one room. It turns socket events into room calls, keeps the
 * liveness bookkeeping the sweep reads, and maps every failure to a documented close code:
 * a bad frame closes this socket only, never the relay or another room.
 *
 * Readers that are not reading (docs/architecture.md): the connection is *held*, sent
 * nothing but pings and heartbeat answers, when
 * - it is a Sightline client (it has sent a heartbeat) and was sent more than
 *   `ReadingDefaults.unreadHoldBytes` since its last frame (a live client acknowledges every
 *   `ackAfterBytes` with a heartbeat), or has been silent for `quietAfterMs` (the sweep);
 * - or its send buffer holds more than `HOLD_BUFFER_BYTES` (any client).
 * When it speaks again (or, held for its buffer, the buffer drained) it gets one catch-up
 * from its room (`Room.catchUp`): the latest state per client ID that changed meanwhile.
 */
import { CloseCode, HEARTBEAT_FRAME, isHeartbeatFrame, ReadingDefaults } from '@sightline/protocol'
import type { Logger } from 'pino'
import type { ClientAddress } from '../access/client-address.js'
import { HOLD_BUFFER_BYTES, type RelayOptions } from '../config/options.js'
import { isRelayError } from '../errors.js'
import type { RelayMetrics } from '../ops/metrics.js'
import { closeCodeOf, closeReasonOf, RefusalReason } from '../refusal.js'
import type { RelaySocket, SocketHandler } from '../transport/relay-socket.js'
import { refill } from './rate-limit.js'
import type { HoldMark, PeerClaims, Room, RoomPeer } from './room.js'
import type { RoomRegistry } from './room-registry.js'

/** Forged writes tolerated per connection before it is closed with 1008. */
export const MAX_FORGED_WRITES = 10

/** How long a slow consumer closed with 4508 may take to drain before it is dropped (ms). */
export const SLOW_CONSUMER_DRAIN_MS = 1000

/** What a connection enforces on its own traffic (see the options of the same names). */
export type ConnectionLimits = Pick<
  RelayOptions,
  'maxFrameBytes' | 'messagesPerSecond' | 'messageBurst' | 'bytesPerSecond' | 'maxSendBufferBytes'
> &
  Partial<Pick<RelayOptions, 'quietAfterMs'>>

/** What a connection counts (see metrics.ts). */
export type ConnectionMetrics = Pick<
  RelayMetrics,
  'frameIn' | 'frameOut' | 'refused' | 'closeSent' | 'forged'
>

const NO_METRICS: ConnectionMetrics = Object.freeze({
  frameIn() {},
  frameOut() {},
  refused: (_reason, _addr, logLine) => logLine?.(),
  closeSent() {},
  forged() {},
})

export interface ConnectionInit {
  readonly id: string
  /** The accepted socket (transport/relay-socket.ts: whatever the socket layer). */
  readonly socket: RelaySocket
  readonly roomName: string
  readonly claims: PeerClaims
  /** Where it comes from (for its log lines). */
  readonly peer?: ClientAddress | undefined
  readonly rooms: RoomRegistry
  /**
   * The relay's logger. The connection's own child (bound to conn, room, sub) is made on
   * first use: most connections never log at the configured level, and a child logger per
   * connection would cost memory on each of them.
   */
  readonly log: Logger
  readonly limits: ConnectionLimits
  /** Where frames, refusals and close codes are counted. Default: nowhere. */
  readonly metrics?: ConnectionMetrics | undefined
  /** Called once when the connection has left its room. */
  readonly onGone: (connection: Connection) => void
  /**
   * Called once when its room let go of it: at once when it left cleanly, after the removal
   * grace when it left abruptly with live states (see `RoomPeer.released`).
   */
  readonly onReleased?: ((connection: Connection) => void) | undefined
}

export class Connection implements RoomPeer, SocketHandler {
  readonly id: string
  readonly claims: PeerClaims
  /** Monotonic ms of the last inbound frame or pong. */
  lastSeen = monotonicMs()
  /** Whether a ping was sent during the current silence. */
  pinged = false
  forgedWrites = 0
  /** Monotonic ms of the last inbound frame (pongs excluded: they need no page script). */
  lastFrameAt = this.lastSeen
  /** It has sent a heartbeat: a Sightline client, which acknowledges what it reads. */
  #acks = false
  /** Bytes sent to it since its last inbound frame. */
  #unread = 0
  /** Where it was held, while it is (see the file header); null while it is being sent to. */
  #hold: HoldMark | null = null
  readonly #socket: RelaySocket
  readonly #rooms: RoomRegistry
  readonly #room: Room
  readonly #onGone: (connection: Connection) => void
  readonly #onReleased: ((connection: Connection) => void) | undefined
  readonly #limits: ConnectionLimits
  /**
   * Inbound budgets, token buckets refilled lazily (`refill`, rate-limit.ts): messages, and
   * bytes, since the relay's work on a frame grows with its size.
   */
  #messageTokens: number
  #byteTokens: number
  #budgetAt: number
  readonly #metrics: ConnectionMetrics
  readonly #relayLog: Logger
  readonly #peer: ClientAddress | undefined
  #log: Logger | undefined
  #gone = false

  constructor(init: ConnectionInit) {
    this.id = init.id
    this.claims = init.claims
    this.#relayLog = init.log
    this.#peer = init.peer
    this.#socket = init.socket
    this.#rooms = init.rooms
    this.#onGone = init.onGone
    this.#onReleased = init.onReleased
    this.#limits = init.limits
    this.#metrics = init.metrics ?? NO_METRICS
    this.#messageTokens = init.limits.messageBurst
    this.#byteTokens = byteBurstOf(init.limits)
    this.#budgetAt = this.lastSeen
    this.#socket.attach(this)
    this.#room = this.#rooms.join(init.roomName, this)
  }

  get subject(): string {
    return this.claims.sub
  }

  get roomName(): string {
    return this.#room.name
  }

  /** This connection's logger (a child of the relay's, bound to conn, room and sub). */
  get log(): Logger {
    this.#log ??= this.#relayLog.child({
      conn: this.id,
      room: this.#room.name,
      sub: this.subject,
      ...this.#peer,
    })
    return this.#log
  }

  /**
   * Sends one frame, unless the connection is not reading (see the file header): then it is
   * held instead, and this and everything after it until it reads again is left for the
   * catch-up, which carries the latest state of each.
   */
  send(frame: Uint8Array): void {
    // A heartbeat answer is what the tab's liveness waits for: never held.
    if (frame === HEARTBEAT_FRAME) {
      this.#write(frame)
      return
    }
    if (!this.#socket.open || this.#hold !== null) return
    if (
      (this.#acks &&
        this.#unread > 0 &&
        this.#unread + frame.byteLength > ReadingDefaults.unreadHoldBytes) ||
      this.#socket.bufferedAmount > HOLD_BUFFER_BYTES
    ) {
      this.#holdNow()
      return
    }
    this.#write(frame)
  }

  /** Whether the connection is held (not being sent anything but liveness). */
  get held(): boolean {
    return this.#hold !== null
  }

  /**
   * The sweep's look at whether it reads: a Sightline client silent for `quietAfterMs` is
   * held; one held for its send buffer is caught up once the buffer drained (a client that
   * acknowledges is caught up when it speaks instead).
   */
  checkReading(now: number): void {
    if (this.#gone) return
    const quietAfter = this.#limits.quietAfterMs
    if (this.#hold === null) {
      if (this.#acks && quietAfter !== undefined && now - this.lastFrameAt >= quietAfter) {
        this.#holdNow()
      }
    } else if (!this.#acks && this.#socket.bufferedAmount <= HOLD_BUFFER_BYTES / 2) {
      this.#catchUp()
    }
  }

  #holdNow(): void {
    this.#hold = this.#room.markHold()
    if (this.#relayLog.isLevelEnabled('debug')) {
      this.log.debug({ unread: this.#unread }, 'holding a reader that is not reading')
    }
  }

  /** It reads again: one catch-up with what changed while it was held. */
  #catchUp(): void {
    const mark = this.#hold
    if (mark === null) return
    this.#hold = null
    this.#unread = 0
    for (const frame of this.#room.catchUp(this, mark, !this.#acks)) this.#write(frame)
    // A catch-up larger than the send buffer bound: this reader cannot keep up at all.
    if (this.#socket.bufferedAmount > this.#limits.maxSendBufferBytes) {
      this.close(RefusalReason.SlowConsumer)
    }
  }

  #write(frame: Uint8Array): void {
    const socket = this.#socket
    if (!socket.open) return
    // A heartbeat answer is liveness, not something to read.
    if (frame !== HEARTBEAT_FRAME) this.#unread += frame.byteLength
    this.#metrics.frameOut(frame)
    socket.cork()
    socket.send(frame)
  }

  /** A debug line about this connection (only built when debug is on: the hot path calls it). */
  debug(fields: object, message: string): void {
    if (this.#relayLog.isLevelEnabled('debug')) this.log.debug(fields, message)
  }

  released(): void {
    this.#onReleased?.(this)
  }

  evict(reason: RefusalReason): void {
    this.close(reason, 'another agent claimed its client ID first')
  }

  ping(): void {
    this.pinged = true
    this.#socket.ping()
  }

  /**
   * The one path by which the relay closes an admitted connection: closes with the code of
   * `reason` (refusal.ts), logs `reason` (and `detail`), and removes this connection's states
   * for everyone at once. `code` overrides the reason's code (an orderly relay shutdown).
   */
  close(reason: RefusalReason, detail?: string, code: CloseCode = closeCodeOf(reason)): void {
    if (this.#gone) return
    this.#metrics.refused(reason, this.#peer?.addr, () =>
      this.log.info({ code, reason, detail }, 'closing connection'),
    )
    this.#leave()
    if (this.#socket.close(code, closeReasonOf(reason, code))) this.#metrics.closeSent(code)
    // A reader that does not read will not read the close frame either: drop it soon.
    if (code === CloseCode.SlowConsumer) {
      setTimeout(() => this.#socket.terminate(), SLOW_CONSUMER_DRAIN_MS).unref()
    }
  }

  /** Drops the socket without a close handshake (it stopped answering). */
  terminate(reason: RefusalReason = RefusalReason.LivenessTimeout): void {
    if (!this.#gone) {
      this.log.info({ reason }, 'terminating connection')
      this.#metrics.refused(reason)
    }
    this.#leave()
    this.#socket.terminate()
  }

  /** Resolves when the socket is closed (for an orderly relay shutdown). */
  closed(): Promise<void> {
    return this.#socket.whenClosed()
  }

  #seen(now: number = monotonicMs()): void {
    this.lastSeen = now
    this.pinged = false
  }

  // The socket's events (SocketHandler), from the socket layer.
  socketMessage(bytes: Uint8Array, binary: boolean): void {
    this.#onMessage(bytes, binary)
  }

  socketPong(): void {
    this.#seen()
  }

  socketClosed(code: number): void {
    if (this.#relayLog.isLevelEnabled('debug')) this.log.debug({ code }, 'connection closed')
    // Closed by the other end, not by us. Only a "going away" close can be the browser
    // closing a resumed frozen tab's socket, which reconnects at once: its live states get
    // the removal grace. Anything else (1000 after leaving, a reset: 1006) is removed now.
    this.#leave(code === CloseCode.GoingAway)
  }

  socketError(error: Error): void {
    this.log.warn({ err: error.message }, 'socket error')
  }

  #onMessage(bytes: Uint8Array, isBinary: boolean): void {
    if (this.#gone) return
    const now = monotonicMs()
    this.#seen(now)
    const elapsed = now - this.#budgetAt
    this.#budgetAt = now
    const limits = this.#limits
    this.#messageTokens = refill(
      this.#messageTokens,
      elapsed,
      limits.messagesPerSecond,
      limits.messageBurst,
    )
    this.#byteTokens = refill(this.#byteTokens, elapsed, limits.bytesPerSecond, byteBurstOf(limits))
    if (this.#messageTokens < 1) {
      this.close(RefusalReason.RateLimited)
      return
    }
    this.#messageTokens -= 1
    if (!isBinary) {
      this.close(RefusalReason.BadFrame, 'text frame')
      return
    }
    this.#metrics.frameIn(bytes)
    this.lastFrameAt = now
    this.#unread = 0
    if (isHeartbeatFrame(bytes)) this.#acks = true
    // It speaks, so its scripts run and it reads: catch it up before answering.
    if (this.#hold !== null) this.#catchUp()
    if (bytes.byteLength > this.#limits.maxFrameBytes) {
      this.close(RefusalReason.FrameTooLarge, `${bytes.byteLength} bytes`)
      return
    }
    if (this.#byteTokens < bytes.byteLength) {
      this.close(RefusalReason.RateLimited, 'byte rate')
      return
    }
    this.#byteTokens -= bytes.byteLength
    try {
      const { forged } = this.#room.receive(this, bytes)
      if (forged > 0) this.#countForged(forged)
    } catch (error) {
      this.#fail(error)
    }
  }

  #countForged(n: number): void {
    this.forgedWrites += n
    this.#metrics.forged(n)
    this.log.info(
      { forged: this.forgedWrites },
      'dropped writes to client IDs of other connections',
    )
    if (this.forgedWrites > MAX_FORGED_WRITES) {
      this.close(RefusalReason.ForgedWrite)
    }
  }

  #fail(error: unknown): void {
    const reason = isRelayError(error) ? error.reason : null
    if (reason !== null) {
      this.close(reason, (error as Error).message)
      return
    }
    this.log.error({ err: error }, 'unexpected error handling a frame')
    this.close(RefusalReason.InternalError)
  }

  #leave(abrupt = false): void {
    if (this.#gone) return
    this.#gone = true
    this.#rooms.leave(this.#room, this, abrupt)
    this.#onGone(this)
  }
}

/**
 * Bytes a connection may send at once after a quiet spell: a second's worth, and at least two
 * of the largest frames (so one maximal frame never trips it on its own).
 */
export function byteBurstOf(
  limits: Pick<RelayOptions, 'bytesPerSecond' | 'maxFrameBytes'>,
): number {
  return Math.max(limits.bytesPerSecond, 2 * limits.maxFrameBytes)
}

/**
 * Monotonic milliseconds as an integer: a small integer field costs no heap number per
 * connection, and the sweep and budgets need no finer clock.
 */
export function monotonicMs(): number {
  return Math.floor(performance.now())
}
