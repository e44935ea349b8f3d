/**
 * Collision checks: the soft "Traffic Cop". Nothing here locks anything; every tab computes the
 * same answers from the same awareness states and reply log, so they agree without a server.
 */
import { Activity, foldViewers, type PresenceState, type Viewer } from '@sightline/protocol'
import type { Reply } from './replies.js'

/** What could make sending now a collision. */
export interface ReplyConflicts {
  /** Replies by other agents sent since this tab started composing, newest first. */
  readonly repliedBy: readonly Reply[]
  /** Other agents replying right now, first replier first (fold order). */
  readonly replyingNow: readonly Viewer[]
}

/** The answer of `beforeSend()`: `ok` when there is nothing to confirm. */
export interface BeforeSendResult {
  readonly ok: boolean
  readonly conflicts: ReplyConflicts
}

/**
 * Conflicts for a reply being composed: others' replies this tab had not seen when it began
 * composing (`seenBefore` tells which it had), and others replying now. `replies` and `others`
 * must already exclude the local user. Deciding by what this tab had seen, not by comparing
 * times, keeps the answer right whatever the skew between the tab's and the relay's clocks.
 */
export function checkBeforeSend(
  replies: readonly Reply[],
  others: readonly Viewer[],
  seenBefore: (reply: Reply) => boolean,
): BeforeSendResult {
  const repliedBy = replies.filter((r) => !seenBefore(r))
  const replyingNow = others.filter((v) => v.activity === Activity.Replying)
  return {
    ok: repliedBy.length === 0 && replyingNow.length === 0,
    conflicts: { repliedBy, replyingNow },
  }
}

/**
 * The agent who started replying first among `states`, or null when nobody replies: the first
 * replying viewer in fold order (earliest `since`, then user id). Deterministic, so every tab
 * holding the same states names the same agent.
 */
export function firstReplier(
  states: Iterable<PresenceState>,
  excludeUserId?: string,
): Viewer | null {
  const first = foldViewers(states, { excludeUserId })[0]
  return first !== undefined && first.activity === Activity.Replying ? first : null
}
