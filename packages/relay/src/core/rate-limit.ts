/**
 * A token bucket per connection: `ratePerSecond` tokens flow in continuously up to `burst`;
 * every inbound message takes one (or, for the byte budget, one per byte). No timer: the bucket refills lazily from the monotonic
 * clock when a message arrives, so an idle connection costs nothing.
 */
export class TokenBucket {
  readonly #rate: number
  readonly #burst: number
  #tokens: number
  #at: number

  constructor(ratePerSecond: number, burst: number, now: number = performance.now()) {
    this.#rate = ratePerSecond
    this.#burst = burst
    this.#tokens = burst
    this.#at = now
  }

  /** Takes `n` tokens; false when fewer are left (the message exceeds the rate). */
  take(now: number = performance.now(), n = 1): boolean {
    this.#tokens = refill(this.#tokens, now - this.#at, this.#rate, this.#burst)
    this.#at = now
    if (this.#tokens < n) return false
    this.#tokens -= n
    return true
  }
}

/**
 * A bucket's tokens after `elapsedMs` of refilling at `ratePerSecond`, capped at `burst`: the
 * same rule as TokenBucket, for a caller that keeps the numbers in its own fields (a
 * connection keeps two budgets without two objects).
 */
export function refill(
  tokens: number,
  elapsedMs: number,
  ratePerSecond: number,
  burst: number,
): number {
  return Math.min(burst, tokens + (elapsedMs * ratePerSecond) / 1000)
}
