/**
 * Folds per-tab presence states into one entry per agent, the way every peer must agree on:
 * the strongest activity wins (replying > viewing), an agent is away only if every tab is
 * away, and `since` is the earliest start among the tabs at the winning activity.
 */
import {
  type Activity,
  ActivityRank,
  type PresenceState,
  type PresenceUser,
} from './presence-state.js'

export interface Viewer {
  readonly user: PresenceUser
  readonly activity: Activity
  readonly away: boolean
  /** Earliest `since` among this agent's tabs at `activity` (ms epoch). */
  readonly since: number
  /** How many tabs of this agent are in the room. */
  readonly tabs: number
}

export interface FoldOptions {
  /** Leave this agent out (the local user, whose other tabs are not "other agents"). */
  readonly excludeUserId?: string | undefined
}

/**
 * One `Viewer` per user id, in a deterministic order that every peer computes alike:
 * replying before viewing, then earlier `since` first, then user id. So the first replier
 * is `viewers.find(v => v.activity === 'replying')` on every tab, with no server lock.
 */
export function foldViewers(states: Iterable<PresenceState>, options: FoldOptions = {}): Viewer[] {
  const byUser = new Map<
    string,
    { best: PresenceState; since: number; away: boolean; tabs: number }
  >()
  for (const s of states) {
    if (s.user.id === options.excludeUserId) continue
    const acc = byUser.get(s.user.id)
    if (acc === undefined) {
      byUser.set(s.user.id, { best: s, since: s.since, away: s.away, tabs: 1 })
      continue
    }
    acc.tabs++
    acc.away &&= s.away
    const rank = ActivityRank[s.activity] - ActivityRank[acc.best.activity]
    if (rank > 0) {
      acc.best = s
      acc.since = s.since
    } else if (rank === 0 && s.since < acc.since) {
      acc.since = s.since
    }
  }
  const viewers: Viewer[] = []
  for (const { best, since, away, tabs } of byUser.values()) {
    viewers.push({ user: best.user, activity: best.activity, away, since, tabs })
  }
  return viewers.sort(compareViewers)
}

/** The order of `foldViewers`: replying first, then earlier since, then user id. */
export function compareViewers(a: Viewer, b: Viewer): number {
  const rank = ActivityRank[b.activity] - ActivityRank[a.activity]
  if (rank !== 0) return rank
  if (a.since !== b.since) return a.since - b.since
  return a.user.id < b.user.id ? -1 : a.user.id > b.user.id ? 1 : 0
}
