/**
 * Refusal log lines, aggregated per reason and interval. A flood of bad upgrades must not
 * cost a line each (docs/performance.md, "Measurements behind code decisions"). Per kind ("refused" before admission, "closed" for an
 * admitted connection) and reason:
 *
 * - the first one in an interval is logged in full at once (the caller writes its line);
 * - further ones within the interval are only counted, with the first one's client address
 *   kept as a sample;
 * - at the interval's end one line sums them up: `refused 1234 more connections: bad_token`
 *   (`count`, `reason`, `addr` sample, `intervalMs`).
 *
 * Metrics still count every one (refusals_total). The clock is injectable; `tick` (from the
 * relay's once-a-second sweep) writes the summaries that are due; `flush` writes all now.
 */
import type { Logger } from 'pino'

/** The interval (ms) per reason: one full line, then one summary line at most. */
export const REFUSAL_LOG_INTERVAL_MS = 10_000

export type RefusalKind = 'refused' | 'closed'

export interface RefusalLogInit {
  readonly log: Pick<Logger, 'info'>
  readonly intervalMs?: number
  /** Monotonic ms. Default `performance.now`. */
  readonly now?: () => number
}

interface Window {
  readonly kind: RefusalKind
  readonly reason: string
  /** When (monotonic ms) the interval ends. */
  readonly until: number
  /** Refusals counted (not logged) since the first. */
  count: number
  /** Client address of the first counted one. */
  sample: string | undefined
}

export class RefusalLog {
  readonly #log: Pick<Logger, 'info'>
  readonly #intervalMs: number
  readonly #now: () => number
  /** One window per kind and reason: bounded by the number of reasons. */
  readonly #windows = new Map<string, Window>()

  constructor(init: RefusalLogInit) {
    this.#log = init.log
    this.#intervalMs = init.intervalMs ?? REFUSAL_LOG_INTERVAL_MS
    this.#now = init.now ?? (() => performance.now())
  }

  /**
   * Notes one refusal. True: it is the first of its kind and reason in the interval, and the
   * caller logs it in full; false: it was counted for the summary (log nothing).
   */
  note(kind: RefusalKind, reason: string, addr?: string): boolean {
    const key = `${kind}:${reason}`
    const now = this.#now()
    const window = this.#windows.get(key)
    if (window !== undefined && now < window.until) {
      window.count++
      window.sample ??= addr
      return false
    }
    if (window !== undefined) this.#summarise(window)
    this.#windows.set(key, {
      kind,
      reason,
      until: now + this.#intervalMs,
      count: 0,
      sample: undefined,
    })
    return true
  }

  /** Writes the summaries of the intervals that have ended (the sweep calls it each second). */
  tick(): void {
    if (this.#windows.size === 0) return
    const now = this.#now()
    for (const [key, window] of this.#windows) {
      if (now < window.until) continue
      this.#windows.delete(key)
      this.#summarise(window)
    }
  }

  /** Writes every pending summary now (at shutdown). */
  flush(): void {
    for (const window of this.#windows.values()) this.#summarise(window)
    this.#windows.clear()
  }

  #summarise(window: Window): void {
    if (window.count === 0) return
    const { kind, reason, count, sample } = window
    this.#log.info(
      { reason, count, addr: sample, intervalMs: this.#intervalMs },
      `${kind} ${count} more connection${count === 1 ? '' : 's'}: ${reason}`,
    )
  }
}
