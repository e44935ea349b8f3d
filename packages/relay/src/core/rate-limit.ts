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
    this.#rate = ratePerSecond / 1000
    this.#burst = burst
    this.#tokens = burst
    this.#at = now
  }

  /** Takes `n` tokens; false when fewer are left (the message exceeds the rate). */
  take(now: number = performance.now(), n = 1): boolean {
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#rate)
    this.#at = now
    if (this.#tokens < n) return false
    this.#tokens -= n
    return true
  }
}
