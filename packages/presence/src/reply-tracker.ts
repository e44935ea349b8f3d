/**
 * The reply half of a room's presence: the reply log as the relay writes it, "I sent a reply"
 * signals, and the collision checks built on both. Split from `presence.ts`, which owns the
 * awareness state, so each can be read alone.
 *
 * Two facts make the checks agree across tabs without a lock: the relay stamps `since` (this
 * tab learns the value the others see from the relay's correction, `relaySince`), and a tab
 * judges "replied while I was composing" by which replies it had seen, not by comparing clocks.
 */
import {
  type Activity,
  type AwarenessEntry,
  encodeSignalFrame,
  type PresenceUser,
  readPresenceState,
  SignalKind,
  type Viewer,
} from '@sightline/protocol'
import type * as Y from 'yjs'
import { type BeforeSendResult, checkBeforeSend } from './collision.js'
import { createObservable, type Observable, sameJson } from './observable.js'
import { type Reply, readReplies, repliesArray, replyKey } from './replies.js'

export interface ReplyTrackerOptions {
  readonly doc: Y.Doc
  readonly user: PresenceUser
  /** This tab's awareness client ID now (it changes when the relay refuses it: 4409). */
  readonly clientId: () => number
  /** Sends on the connection; false when it is down. */
  readonly send: (frame: Uint8Array) => boolean
}

export interface ReplyTracker {
  /** Replies by other agents, newest first. */
  readonly replies: Observable<readonly Reply[]>
  /** The room's document arrived (sync step 2). */
  synced(): void
  /** This tab switched to `activity` (its `since` is new; the relay's correction is void). */
  activityChanged(activity: Activity): void
  /**
   * Reads an incoming awareness update for the relay's correction of this tab's `since`: its
   * own entry sent back with `ownClock` while `activity` is still current.
   */
  noteOwnCorrection(
    entries: readonly AwarenessEntry[],
    ownClock: number | undefined,
    activity: Activity,
  ): void
  /** The `since` the others see for this tab's state, when the relay corrected ours. */
  readonly relaySince: number | null
  /** A socket opened: sends a reply signal that waited for it. */
  flush(send: (frame: Uint8Array) => void): void
  markReplySent(): void
  beforeSend(others: readonly Viewer[]): BeforeSendResult
  destroy(): void
}

export function createReplyTracker(options: ReplyTrackerOptions): ReplyTracker {
  const { doc, user, send } = options
  const replies = createObservable<readonly Reply[]>(Object.freeze([]), sameJson)
  /**
   * Keys of the replies this tab had seen when it began composing (or, before it ever
   * composed, when it first synced): any other reply is a conflict. Null until either.
   */
  let seenAtCompose: Set<string> | null = null
  /** A reply signal waiting for the connection (markReplySent while offline). */
  let signalPending = false
  /**
   * The `since` the relay forwards for this tab's current state when it differs from ours
   * (our clock is off by more than the relay tolerates: it stamped its own); null while the
   * relay forwards ours as it is.
   */
  let relaySince: number | null = null
  let destroyed = false

  const seenNow = () => new Set(readReplies(doc, user.id).map(replyKey))
  const refresh = () => void replies.set(Object.freeze(readReplies(doc, user.id)))
  const log = repliesArray(doc)
  log.observe(refresh)

  return {
    replies,
    synced() {
      seenAtCompose ??= seenNow()
    },
    activityChanged(activity) {
      relaySince = null
      if (activity === 'replying') seenAtCompose = seenNow()
    },
    noteOwnCorrection(entries, ownClock, activity) {
      for (const entry of entries) {
        if (entry.clientId !== options.clientId() || entry.clock !== ownClock) continue
        try {
          const state = readPresenceState(JSON.parse(entry.json))
          if (state !== null && state.activity === activity) relaySince = state.since
        } catch {
          // Not JSON: not a correction.
        }
      }
    },
    get relaySince() {
      return relaySince
    },
    flush(sendNow) {
      if (!signalPending) return
      signalPending = false
      sendNow(encodeSignalFrame(SignalKind.ReplySent))
    },
    markReplySent() {
      if (destroyed) return
      if (!send(encodeSignalFrame(SignalKind.ReplySent))) signalPending = true
    },
    beforeSend(others) {
      const seen = seenAtCompose
      return checkBeforeSend(replies.value, others, (r) => seen?.has(replyKey(r)) === true)
    },
    destroy() {
      destroyed = true
      log.unobserve(refresh)
      replies.clear()
      replies.set(Object.freeze([]))
    },
  }
}
