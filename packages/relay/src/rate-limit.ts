/**
 * A token bucket per connection: `ratePerSecond` tokens flow in continuously up to `burst`;
 * every inbound message takes one. No timer: the bucket refills lazily from the monotonic
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

  /** Takes one token; false when the bucket is empty (the message exceeds the rate). */
  take(now: number = performance.now()): boolean {
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#rate)
    this.#at = now
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }
}
