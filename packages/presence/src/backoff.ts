/**
 * Reconnect delays: exponential backoff with full jitter, `random(0, min(max, min * 2^attempt))`.
 * Full jitter spreads the reconnects of every tab after a relay restart over the whole window
 * instead of bringing them back in the same millisecond.
 */
export interface BackoffOptions {
  /** Cap of the first attempt's window, ms. */
  readonly minDelayMs: number
  /** Largest window, ms. */
  readonly maxDelayMs: number
  /** Uniform random number in [0, 1); injectable for tests. Default `Math.random`. */
  readonly random?: (() => number) | undefined
}

/** The delay before reconnect attempt number `attempt` (0 for the first), in ms. */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const window = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** Math.max(0, attempt))
  const random = options.random ?? Math.random
  return random() * window
}
