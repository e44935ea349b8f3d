/**
 * One agent's budgets in one room, shared by all its connections there: one colleague's
 * token, opened fifty times, gets no more of a room than opened once. Each is a token bucket
 * (rate-limit.ts), refilled lazily, so an idle agent costs nothing:
 *
 * - state bytes: awareness state JSON it writes (`subjectBytesPerSecond`, a burst of four
 *   seconds' worth or four of the largest states); overdrawn, the writing connection is
 *   closed with 4429. This bounds the fan-out one agent causes: the room's size times this;
 * - answer bytes: what its questions cost the relay to answer (sync step 1, query-awareness,
 *   and the join snapshot every new connection gets), `ANSWER_FACTOR` times the state rate;
 *   a question beyond it goes unanswered, a join is always answered (and counted);
 * - reply signals: `REPLY_SIGNAL_BURST` at once, then one per second; more are dropped.
 *
 * The budgets of an agent outlive its connections in the room until they have refilled
 * (`BURST_SECONDS`), so leaving and coming back does not buy a fresh burst; the sweep drops
 * them then (`prune`).
 */
import type { RelayOptions } from '../config/options.js'
import { TokenBucket } from './rate-limit.js'
import { REPLY_SIGNAL_BURST } from './room-document.js'

/** Answer bytes per second an agent's questions may cost, as a multiple of its state rate. */
export const ANSWER_FACTOR = 8

/** Seconds' worth of its rate an agent may spend at once (state and answer bytes). */
export const BURST_SECONDS = 4

export class SubjectBudget {
  /** Connections of this agent in the room. */
  refs = 0
  /** When (monotonic ms) its last connection in the room left. */
  leftAt = 0
  readonly #states: TokenBucket
  readonly #answers: TokenBucket
  readonly #signals = new TokenBucket(1, REPLY_SIGNAL_BURST)
  readonly #answerBurst: number
  #debt = 0

  constructor(limits: Pick<RelayOptions, 'subjectBytesPerSecond' | 'maxStateBytes'>) {
    const rate = limits.subjectBytesPerSecond
    this.#states = new TokenBucket(rate, Math.max(BURST_SECONDS * rate, 4 * limits.maxStateBytes))
    const answers = ANSWER_FACTOR * rate
    this.#answerBurst = BURST_SECONDS * answers
    this.#answers = new TokenBucket(answers, this.#answerBurst)
  }

  /** Takes `bytes` of state writes; false when the agent has spent its share. */
  writeState(bytes: number): boolean {
    return this.#states.take(performance.now(), bytes)
  }

  /**
   * Whether a question whose answer weighs `bytes` may be answered (then it is counted). What
   * joins cost beyond the budget is paid first. An answer larger than the whole burst (a
   * room of hundreds of large states) goes out when the budget is full, and is paid off
   * before the next one.
   */
  answer(bytes: number): boolean {
    const now = performance.now()
    if (this.#debt > 0) {
      const payment = Math.min(this.#debt, this.#answerBurst)
      if (!this.#answers.take(now, payment)) return false
      this.#debt -= payment
      if (this.#debt > 0) return false
    }
    const upfront = Math.min(bytes, this.#answerBurst)
    if (!this.#answers.take(now, upfront)) return false
    this.#debt += bytes - upfront
    return true
  }

  /** Counts `bytes` sent without asking (a join's snapshot): paid now, or owed. */
  charge(bytes: number): void {
    const now = performance.now()
    const paid = Math.min(bytes, this.#answerBurst)
    if (this.#answers.take(now, paid)) this.#debt += bytes - paid
    else this.#debt += bytes
  }

  /** Takes one reply signal; false over the budget. */
  signal(): boolean {
    return this.#signals.take()
  }
}

/** The budgets of every agent connected to one room. */
export class SubjectBudgets {
  readonly #bySubject = new Map<string, SubjectBudget>()
  readonly #limits: Pick<RelayOptions, 'subjectBytesPerSecond' | 'maxStateBytes'>

  constructor(limits: Pick<RelayOptions, 'subjectBytesPerSecond' | 'maxStateBytes'>) {
    this.#limits = limits
  }

  /** A connection of `subject` joined: its agent's budget (made on its first). */
  join(subject: string): SubjectBudget {
    let budget = this.#bySubject.get(subject)
    if (budget === undefined) {
      budget = new SubjectBudget(this.#limits)
      this.#bySubject.set(subject, budget)
    }
    budget.refs++
    return budget
  }

  /** A connection of `subject` left; the budget stays until it has refilled (`prune`). */
  leave(subject: string): void {
    const budget = this.#bySubject.get(subject)
    if (budget === undefined) return
    if (--budget.refs <= 0) budget.leftAt = performance.now()
  }

  /** Drops the budgets of agents gone from the room long enough for them to have refilled. */
  prune(now: number = performance.now()): void {
    for (const [subject, budget] of this.#bySubject) {
      if (budget.refs <= 0 && now - budget.leftAt >= BURST_SECONDS * 1000) {
        this.#bySubject.delete(subject)
      }
    }
  }

  /** Agents with a budget in the room (connected, or gone less than `BURST_SECONDS` ago). */
  get size(): number {
    return this.#bySubject.size
  }

  /** The budget of `subject` (who has a connection in the room, or had one lately). */
  of(subject: string): SubjectBudget {
    let budget = this.#bySubject.get(subject)
    if (budget === undefined) {
      // Kept like a leaver's (pruned once refilled), never a fresh one per call.
      budget = new SubjectBudget(this.#limits)
      budget.leftAt = performance.now()
      this.#bySubject.set(subject, budget)
    }
    return budget
  }
}
