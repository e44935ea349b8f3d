/**
 * The `since` rule: when a tab's current activity began, as every reader sees it.
 *
 * `since` travels in the presence state (presence-state.ts) inside awareness frames
 * (awareness-codec.ts). "Started replying first" is decided by comparing `since` values, so
 * a tab must not be able to put itself first by claiming an early one, and every tab must
 * compare the same values. The rule, applied by the relay to every state it forwards:
 *
 * 1. While a client ID's activity stays the same, its `since` is the one already forwarded:
 *    a client cannot move it.
 * 2. When the activity changes (or the state is new), the claimed `since` is kept if it lies
 *    within `SINCE_TOLERANCE_MS` of the relay's clock, else the relay's clock replaces it.
 * 3. When the relay replaced a writer's `since`, it sends the writer its own entry back with
 *    the forwarded value and the writer's own awareness clock (y-protocols ignores it: not
 *    newer than its own state). The writer reads it (`readSinceCorrection`) and uses that
 *    value wherever it compares itself with others, so all tabs agree.
 */
import type { AwarenessEntry } from './awareness-codec.js'
import { type Activity, readPresenceState } from './presence-state.js'

/**
 * How far (ms) a tab's `since` may lie from the relay's clock when its activity changes and
 * still be forwarded as it is. About the clock skew of machines kept by NTP, well below how
 * fast a person reacts to "Bob started replying".
 */
export const SINCE_TOLERANCE_MS = 2000

/** What the relay last forwarded for a client ID (null: nothing live). */
export interface ForwardedActivity {
  readonly activity: string
  readonly since: number
}

/** The `since` the relay forwards for a state in `activity` claiming `claimed` (rules 1-2). */
export function sinceToForward(
  previous: ForwardedActivity | null,
  activity: string,
  claimed: number,
  now: number,
): number {
  if (previous !== null && previous.activity === activity) return previous.since
  return Math.abs(claimed - now) <= SINCE_TOLERANCE_MS ? claimed : now
}

/**
 * The relay's correction of this tab's `since` in an incoming awareness update (rule 3): the
 * `since` of its own entry (`clientId`) sent back with its own awareness clock `ownClock`
 * while `activity` is still current; null when the update carries none.
 */
export function readSinceCorrection(
  entries: readonly AwarenessEntry[],
  clientId: number,
  ownClock: number | undefined,
  activity: Activity,
): number | null {
  let corrected: number | null = null
  for (const entry of entries) {
    if (entry.clientId !== clientId || entry.clock !== ownClock) continue
    try {
      const state = readPresenceState(JSON.parse(entry.json))
      if (state !== null && state.activity === activity) corrected = state.since
    } catch {
      // Not JSON: not a correction.
    }
  }
  return corrected
}
