/**
 * Renewal of this tab's own awareness state, for a relay that does not refresh states itself.
 * Off by default (`renewIntervalMs` 0): the relay re-sends every live state to every receiver,
 * and the tab's state goes out on every (re)connect and change. When asked for, it renews as
 * y-protocols would (the same state with a new clock), on the monotonic clock.
 */
import type { Awareness } from 'y-protocols/awareness'

export interface Renewal {
  /** This tab's state just went out: the next renewal is due `intervalMs` from now. */
  sent(): void
  stop(): void
}

/**
 * Renews `awareness`'s local state when it has not gone out for `intervalMs`, checking every
 * `checkEveryMs`; a no-op when `intervalMs` is 0.
 */
export function startRenewal(
  awareness: Awareness,
  intervalMs: number,
  checkEveryMs: number,
): Renewal {
  let lastSentAt = performance.now()
  const timer =
    intervalMs > 0
      ? setInterval(() => {
          if (performance.now() - lastSentAt < intervalMs) return
          const state = awareness.getLocalState()
          if (state !== null) awareness.setLocalState(state)
        }, checkEveryMs)
      : undefined
  return {
    sent() {
      lastSentAt = performance.now()
    },
    stop() {
      clearInterval(timer)
    },
  }
}
