/**
 * The tab's side of liveness (docs/architecture.md, "one authority per hop"): browsers cannot
 * see WebSocket pings, so the tab asks the relay for a sign of life when it has heard nothing
 * for `heartbeatIntervalMs`: a heartbeat, which the relay answers. When nothing arrived for
 * `livenessTimeoutMs` and a heartbeat went out in that time, the connection is dead. A socket
 * that does not open within the timeout is dead too.
 *
 * The relay in turn must hear from the tab: when the tab sent nothing for `heartbeatIntervalMs`
 * but has been hearing from the relay (a busy room), it sends a keepalive, which the relay does
 * not answer. So a tab in a busy room costs the relay one small frame in per period and none
 * out, and a quiet one a heartbeat and its answer, as before.
 *
 * When the clock's own timer fires much later than scheduled (a frozen or throttled page),
 * nothing is judged: frames may be queued behind the timer, so it sends a heartbeat and gives
 * the relay a full timeout to answer. All times are monotonic milliseconds.
 */
import { MAX_TIMEOUT, type Timer } from '@sightline/protocol'

export interface LivenessOptions {
  readonly heartbeatIntervalMs: number
  readonly livenessTimeoutMs: number
  /** Monotonic clock, ms. */
  readonly now: () => number
  /** Sends a heartbeat (answered) on the open socket; false when there is none. */
  readonly sendHeartbeat: () => boolean
  /** Sends a keepalive (not answered) on the open socket; false when there is none. */
  readonly sendKeepalive: () => boolean
  /** The connection is dead: nothing came back in time. */
  readonly onDead: () => void
}

/** What the clock is watching. */
type Watched =
  | { readonly what: 'nothing' }
  /** A socket opening since `since` (reset when the page wakes up). */
  | { readonly what: 'opening'; since: number }
  | { readonly what: 'open' }

export class LivenessClock {
  #watched: Watched = { what: 'nothing' }
  #lastReceivedAt = 0
  #lastHeartbeatAt = Number.NEGATIVE_INFINITY
  /** When the tab last sent anything on the open socket. */
  #lastSentAt = Number.NEGATIVE_INFINITY
  /** Silence is judged only after this instant (set on open, on waking up, on a probe). */
  #graceFrom = 0
  /** A deadline besides silence (a token handover waiting for its confirmation). */
  #deadline: number | null = null
  #timer: Timer | null = null
  #dueAt = 0

  constructor(readonly options: LivenessOptions) {}

  /** A socket started opening: it must open within the timeout. */
  watchOpening(): void {
    this.#watched = { what: 'opening', since: this.options.now() }
    this.#deadline = null
    this.#schedule()
  }

  /** The socket opened: silence counts from now, the first heartbeat goes out at once. */
  watchOpen(): void {
    const now = this.options.now()
    this.#watched = { what: 'open' }
    this.#lastReceivedAt = now
    this.#graceFrom = now
    this.#lastHeartbeatAt = Number.NEGATIVE_INFINITY
    this.#lastSentAt = now
    this.#schedule()
  }

  /** A frame arrived (heartbeat answers included). */
  received(): void {
    this.#lastReceivedAt = this.options.now()
  }

  /** The tab sent a frame on the open socket (the relay heard from it). */
  sent(): void {
    this.#lastSentAt = this.options.now()
  }

  /**
   * Judge silence only from now on (the socket changed hands, or the network or page came
   * back); with `heartbeat`, also ask the relay for an answer at once.
   */
  restartGrace(heartbeat = false): void {
    const now = this.options.now()
    this.#graceFrom = now
    if (heartbeat) this.#heartbeat(now)
    this.#schedule()
  }

  /** Also declare the connection dead at `at` (monotonic ms) unless cleared; null clears. */
  setDeadline(at: number | null): void {
    this.#deadline = at
    this.#schedule()
  }

  /** Stops watching (no socket). */
  stop(): void {
    this.#watched = { what: 'nothing' }
    this.#deadline = null
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }

  /** How late a timer may fire before we assume the page was frozen or throttled. */
  get #lateThreshold(): number {
    return Math.max(this.options.heartbeatIntervalMs, 1000)
  }

  #heartbeat(now: number): void {
    if (this.#watched.what === 'open' && this.options.sendHeartbeat()) this.#lastHeartbeatAt = now
  }

  /**
   * When the next heartbeat is due: at once after opening, else a period after the later of
   * the last frame heard (or the grace's start) and the last heartbeat.
   */
  #heartbeatDue(anchor: number): number {
    if (this.#lastHeartbeatAt === Number.NEGATIVE_INFINITY) return anchor
    return Math.max(anchor, this.#lastHeartbeatAt) + this.options.heartbeatIntervalMs
  }

  #keepalive(now: number): void {
    // Counted as sent even when there was no socket to send on: retried a period later.
    this.#lastSentAt = now
    if (this.#watched.what === 'open') this.options.sendKeepalive()
  }

  #schedule(): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    const watched = this.#watched
    if (watched.what === 'nothing') return
    const now = this.options.now()
    const { heartbeatIntervalMs, livenessTimeoutMs } = this.options
    let due: number
    if (watched.what === 'opening') {
      due = watched.since + livenessTimeoutMs
    } else {
      const anchor = Math.max(this.#lastReceivedAt, this.#graceFrom)
      due = Math.min(
        this.#heartbeatDue(anchor),
        this.#lastSentAt + heartbeatIntervalMs,
        anchor + livenessTimeoutMs,
      )
      if (this.#deadline !== null) due = Math.min(due, this.#deadline)
    }
    if (!(due > now)) due = now
    this.#dueAt = due
    this.#timer = setTimeout(() => this.#tick(), Math.min(due - now, MAX_TIMEOUT))
  }

  #tick(): void {
    this.#timer = null
    const now = this.options.now()
    const watched = this.#watched
    const { heartbeatIntervalMs, livenessTimeoutMs } = this.options
    if (now - this.#dueAt > this.#lateThreshold) {
      // The page was frozen or throttled: frames may be queued behind this timer. Do not judge.
      this.#graceFrom = now
      if (watched.what === 'opening') watched.since = now
      this.#heartbeat(now)
      this.#schedule()
      return
    }
    if (watched.what === 'opening') {
      // The socket never opened (a black-holed handshake): give up on it.
      if (now - watched.since >= livenessTimeoutMs) this.options.onDead()
      else this.#schedule()
      return
    }
    if (this.#deadline !== null && now >= this.#deadline) {
      this.options.onDead()
      return
    }
    const anchor = Math.max(this.#lastReceivedAt, this.#graceFrom)
    if (this.#lastHeartbeatAt >= anchor && now - anchor >= livenessTimeoutMs) {
      this.options.onDead()
      return
    }
    if (now >= this.#heartbeatDue(anchor)) this.#heartbeat(now)
    else if (now - this.#lastSentAt >= heartbeatIntervalMs) this.#keepalive(now)
    this.#schedule()
  }
}
