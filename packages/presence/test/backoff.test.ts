import { describe, expect, it } from 'vitest'
import { backoffDelay } from '../src/backoff.js'

const window = { minDelayMs: 250, maxDelayMs: 5000 }

describe('backoffDelay', () => {
  it('stays within random(0, min(max, min * 2^attempt))', () => {
    expect(backoffDelay(0, { ...window, random: () => 0 })).toBe(0)
    expect(backoffDelay(0, { ...window, random: () => 0.999999 })).toBeCloseTo(250, 2)
    expect(backoffDelay(1, { ...window, random: () => 0.5 })).toBe(250)
    expect(backoffDelay(3, { ...window, random: () => 0.5 })).toBe(1000)
    // capped at the max window
    expect(backoffDelay(5, { ...window, random: () => 0.5 })).toBe(2500)
    expect(backoffDelay(60, { ...window, random: () => 0.999999 })).toBeLessThan(5000)
    expect(backoffDelay(1e6, { ...window, random: () => 0.5 })).toBe(2500)
  })

  it('spreads delays over the whole window (full jitter)', () => {
    const samples = Array.from({ length: 2000 }, () => backoffDelay(10, window))
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...samples)).toBeLessThan(5000)
    // each fifth of the window gets a fair share: no clustering at the top like plain backoff
    for (let fifth = 0; fifth < 5; fifth++) {
      const inFifth = samples.filter((d) => d >= fifth * 1000 && d < (fifth + 1) * 1000)
      expect(inFifth.length).toBeGreaterThan(300)
    }
  })
})
