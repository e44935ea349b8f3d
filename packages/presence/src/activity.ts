/**
 * What this tab's agent is doing, as the room sees it: the activity, when it began (`since`),
 * and whether the agent is away (idle.ts decides; `setAway` overrides until it decides again).
 *
 * The client side of the `since` rule (`@sightline/protocol` since.ts): this tab claims its
 * own clock's time when its activity changes; the relay forwards the claim when it lies within
 * `SINCE_TOLERANCE_MS` of the relay's clock, else stamps its own and sends this tab its entry
 * back. `readCorrection` takes that value, and `sinceOthersSee` is what this tab compares with
 * the others' (`composingSince`, `firstReplier`), so every tab compares the same values.
 */
import {
  Activity,
  type AwarenessEntry,
  type PresenceState,
  readSinceCorrection,
} from '@sightline/protocol'
import type { PresenceEnvironment } from './environment.js'
import { createIdleTracker } from './idle.js'
import { createListeners } from './observable.js'

/** What changed: the activity (and its `since`), or away. */
export type ActivityChange = 'activity' | 'away'

export interface ActivityOptions {
  readonly environment: PresenceEnvironment | null
  /** No input for this long (ms) makes the agent away. */
  readonly idleTimeoutMs: number
}

export interface TabActivity {
  readonly current: Activity
  /** When `current` began, on this tab's clock (ms epoch): what this tab claims. */
  readonly since: number
  readonly away: boolean
  /** Switches to `next` with a new `since` (the relay's correction is void); false if current. */
  set(next: Activity): boolean
  /** Sets away by hand; false when it already is `next`. */
  setAway(next: boolean): boolean
  /** Called after each change, by hand or by the idle tracker; returns an unsubscribe function. */
  onChange(listener: (change: ActivityChange) => void): () => void
  /**
   * Reads an incoming awareness update for the relay's correction of this tab's `since`
   * (`readSinceCorrection`): its own entry `clientId` sent back with its own clock `ownClock`.
   */
  readCorrection(
    entries: readonly AwarenessEntry[],
    clientId: number,
    ownClock: number | undefined,
  ): void
  /** The `since` the others see for the current activity: the relay's correction, else ours. */
  readonly sinceOthersSee: number
  /** `sinceOthersSee` while replying; null while viewing. */
  readonly composingSince: number | null
  /** `own` (this tab's state as it holds it) with the `since` the others see. */
  asOthersSee(own: PresenceState): PresenceState
  destroy(): void
}

/** Starts as viewing, since now; away as the idle tracker finds the page. */
export function createActivity(options: ActivityOptions): TabActivity {
  let current: Activity = Activity.Viewing
  let since = Date.now()
  /**
   * The `since` the relay forwards for the current activity when it differs from ours (our
   * clock is off by more than it tolerates: it stamped its own); null while it forwards ours.
   */
  let relaySince: number | null = null
  const changes = createListeners<ActivityChange>()
  /** Set from the idle tracker's first reading below. */
  let away = false
  const setAway = (next: boolean): boolean => {
    if (next === away) return false
    away = next
    changes.emit('away')
    return true
  }
  const idle = createIdleTracker({ ...options, onChange: setAway })
  away = idle.away

  return {
    get current() {
      return current
    },
    get since() {
      return since
    },
    get away() {
      return away
    },
    set(next) {
      if (next === current) return false
      current = next
      since = Date.now()
      relaySince = null
      changes.emit('activity')
      return true
    },
    setAway,
    onChange: (listener) => changes.add(listener),
    readCorrection(entries, clientId, ownClock) {
      const corrected = readSinceCorrection(entries, clientId, ownClock, current)
      if (corrected !== null) relaySince = corrected
    },
    get sinceOthersSee() {
      return relaySince ?? since
    },
    get composingSince() {
      return current === Activity.Replying ? (relaySince ?? since) : null
    },
    asOthersSee: (own) => (relaySince === null ? own : { ...own, since: relaySince }),
    destroy() {
      idle.destroy()
      changes.clear()
    },
  }
}
