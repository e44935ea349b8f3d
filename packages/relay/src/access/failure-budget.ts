/**
 * A budget of failed admissions per client address (the socket's peer, or behind a trusted
 * proxy the forwarded one: client-address.ts). Each failed handshake (bad token, origin,
 * room not granted, bad room, handshake timeout) takes a token from its address's bucket;
 * an address whose bucket is empty is refused before anything else is done for it (no token
 * verification, no WebSocket upgrade: HTTP 429 on the raw socket, which is destroyed).
 * Admitted connections and capacity refusals cost nothing, so an agent with a valid token
 * is never held back by it, and other addresses are not affected.
 *
 * Memory: an entry exists only while its bucket is not full; entries that have refilled are
 * dropped by `prune` (the sweep, every `sweepIntervalMs`), and at most `maxAddresses` are kept (past
 * that, the oldest entry is dropped: a flood from many addresses forgets some of them, it
 * never grows the map).
 */

/** Failed admissions an address may have in a row before it is refused with 429. */
export const FAILED_ADMISSION_BURST = 20

/** Failed admissions per second an address regains (its sustained allowance). */
export const FAILED_ADMISSION_REFILL_PER_S = 5

/** Addresses tracked at most (about 100 bytes each: ~1 MB). */
export const MAX_TRACKED_ADDRESSES = 10_000

export interface FailureBudgetInit {
  readonly burst?: number
  readonly refillPerSecond?: number
  readonly maxAddresses?: number
  /** Monotonic ms. Default `performance.now`. */
  readonly now?: () => number
}

interface Bucket {
  tokens: number
  /** When (monotonic ms) `tokens` was last brought up to date. */
  at: number
}

export class FailureBudget {
  readonly #burst: number
  readonly #refillPerMs: number
  readonly #max: number
  readonly #now: () => number
  readonly #buckets = new Map<string, Bucket>()

  constructor(init: FailureBudgetInit = {}) {
    this.#burst = init.burst ?? FAILED_ADMISSION_BURST
    this.#refillPerMs = (init.refillPerSecond ?? FAILED_ADMISSION_REFILL_PER_S) / 1000
    this.#max = init.maxAddresses ?? MAX_TRACKED_ADDRESSES
    this.#now = init.now ?? (() => performance.now())
  }

  /** Addresses tracked (buckets not yet refilled). */
  get size(): number {
    return this.#buckets.size
  }

  /** `addr` has used up its budget: refuse it before any work. */
  exhausted(addr: string | undefined): boolean {
    if (addr === undefined) return false
    const bucket = this.#buckets.get(addr)
    return bucket !== undefined && this.#refill(bucket, this.#now()) < 1
  }

  /** One failed admission from `addr`. */
  failed(addr: string | undefined): void {
    if (addr === undefined) return
    const now = this.#now()
    const bucket = this.#buckets.get(addr)
    if (bucket !== undefined) {
      bucket.tokens = Math.max(0, this.#refill(bucket, now) - 1)
      return
    }
    if (this.#buckets.size >= this.#max) {
      this.prune()
      // Still full: forget the oldest (insertion order) rather than grow.
      if (this.#buckets.size >= this.#max) {
        const oldest = this.#buckets.keys().next().value
        if (oldest !== undefined) this.#buckets.delete(oldest)
      }
    }
    this.#buckets.set(addr, { tokens: this.#burst - 1, at: now })
  }

  /** Drops the addresses whose budget is full again (nothing to remember about them). */
  prune(): void {
    const now = this.#now()
    for (const [addr, bucket] of this.#buckets) {
      if (this.#refill(bucket, now) >= this.#burst) this.#buckets.delete(addr)
    }
  }

  #refill(bucket: Bucket, now: number): number {
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#refillPerMs)
    bucket.at = now
    return bucket.tokens
  }
}
