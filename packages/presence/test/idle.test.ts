import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createIdleTracker } from '../src/idle.js'
import { createFakePage } from './fake-environment.js'

describe('createIdleTracker', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  const track = (idleTimeoutMs = 60_000) => {
    const page = createFakePage()
    const changes: boolean[] = []
    const tracker = createIdleTracker({
      environment: page,
      idleTimeoutMs,
      onChange: (away) => changes.push(away),
    })
    return { page, tracker, changes }
  }

  it('is away while the document is hidden, back when visible again', () => {
    const { page, tracker, changes } = track()
    expect(tracker.away).toBe(false)
    page.setVisible(false)
    expect(tracker.away).toBe(true)
    page.setVisible(true)
    expect(tracker.away).toBe(false)
    expect(changes).toEqual([true, false])
    tracker.destroy()
  })

  it('starts away when the page starts hidden', () => {
    const page = createFakePage()
    page.document.visibilityState = 'hidden'
    const tracker = createIdleTracker({ environment: page, idleTimeoutMs: 1000, onChange() {} })
    expect(tracker.away).toBe(true)
    tracker.destroy()
  })

  it('is away after the threshold without input, and not before', () => {
    const { page, tracker, changes } = track(60_000)
    vi.advanceTimersByTime(30_000)
    page.input('keydown') // resets the idle clock
    vi.advanceTimersByTime(59_000)
    expect(tracker.away).toBe(false)
    vi.advanceTimersByTime(1_000)
    expect(tracker.away).toBe(true)
    expect(changes).toEqual([true])
    tracker.destroy()
  })

  it('comes back at once on any input', () => {
    const { page, tracker, changes } = track(1000)
    vi.advanceTimersByTime(1000)
    expect(tracker.away).toBe(true)
    page.input('pointermove')
    expect(tracker.away).toBe(false)
    // and goes idle again after another quiet threshold
    vi.advanceTimersByTime(1000)
    expect(tracker.away).toBe(true)
    expect(changes).toEqual([true, false, true])
    tracker.destroy()
  })

  it('stays away while hidden even with input, and stops listening once destroyed', () => {
    const { page, tracker, changes } = track(1000)
    page.setVisible(false)
    page.input('wheel')
    expect(tracker.away).toBe(true)
    tracker.destroy()
    page.setVisible(true)
    expect(changes).toEqual([true])
  })

  it('never goes away without an environment (Node)', () => {
    const tracker = createIdleTracker({ environment: null, idleTimeoutMs: 10, onChange() {} })
    vi.advanceTimersByTime(1000)
    expect(tracker.away).toBe(false)
  })
})
