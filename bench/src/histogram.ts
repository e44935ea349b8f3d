/**
 * A small HDR-style latency histogram: logarithmic buckets (about 1.5 % wide) over
 * microseconds, so memory is fixed (a few KB) whatever the number of samples, and histograms
 * from several generator processes merge by adding counts.
 */

/** Sub-buckets per power of two: relative error about 2^(1/48) - 1, i.e. 1.5 %. */
const STEPS_PER_OCTAVE = 48
/** Largest recorded value, µs (about 17 minutes); larger samples are clamped to it. */
const MAX_US = 2 ** 30
const BUCKETS = Math.ceil(Math.log2(MAX_US) * STEPS_PER_OCTAVE) + 2

/** Serialisable form, sent from generators to the orchestrator. */
export interface HistogramData {
  readonly counts: number[]
  readonly total: number
  readonly maxUs: number
}

export class Histogram {
  readonly #counts = new Float64Array(BUCKETS)
  #total = 0
  #maxUs = 0

  /** Records one sample in microseconds (negative values, from clock noise, count as 0). */
  record(us: number): void {
    const v = Math.min(Math.max(us, 1), MAX_US)
    const i = Math.floor(Math.log2(v) * STEPS_PER_OCTAVE) + 1
    this.#counts[i] = (this.#counts[i] ?? 0) + 1
    this.#total++
    if (us > this.#maxUs) this.#maxUs = us
  }

  get total(): number {
    return this.#total
  }

  /** Adds another histogram's samples to this one. */
  merge(data: HistogramData): void {
    for (let i = 0; i < data.counts.length; i++) {
      const c = data.counts[i] ?? 0
      if (c > 0) this.#counts[i] = (this.#counts[i] ?? 0) + c
    }
    this.#total += data.total
    if (data.maxUs > this.#maxUs) this.#maxUs = data.maxUs
  }

  /** The value (µs) at quantile `q` in [0, 1]: the upper edge of the bucket holding it. */
  quantileUs(q: number): number {
    if (this.#total === 0) return Number.NaN
    const rank = Math.max(1, Math.ceil(q * this.#total))
    let seen = 0
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i] ?? 0
      if (seen >= rank) return Math.min(2 ** (i / STEPS_PER_OCTAVE), this.#maxUs)
    }
    return this.#maxUs
  }

  get maxUs(): number {
    return this.#maxUs
  }

  reset(): void {
    this.#counts.fill(0)
    this.#total = 0
    this.#maxUs = 0
  }

  toData(): HistogramData {
    return { counts: Array.from(this.#counts), total: this.#total, maxUs: this.#maxUs }
  }

  /** p50/p99/max in milliseconds, rounded to µs; `null`s when there is no sample. */
  summaryMs(): LatencySummary {
    const ms = (us: number) => (Number.isNaN(us) ? null : Math.round(us) / 1000)
    return {
      samples: this.#total,
      p50Ms: ms(this.quantileUs(0.5)),
      p99Ms: ms(this.quantileUs(0.99)),
      maxMs: this.#total === 0 ? null : ms(this.#maxUs),
    }
  }
}

export interface LatencySummary {
  readonly samples: number
  readonly p50Ms: number | null
  readonly p99Ms: number | null
  readonly maxMs: number | null
}
