/**
 * The reply half of a room's presence: the reply log as the relay writes it, "I sent a reply"
 * signals, and the collision checks built on both. The awareness state is room-awareness.ts's,
 * the `since` the others see activity.ts's, so each can be read alone.
 *
 * A tab judges "replied while I was composing" by which replies it had seen when it began,
 * not by comparing clocks, so the answer holds whatever the skew between tab and relay.
 */
import { encodeSignalFrame, type PresenceUser, SignalKind, type Viewer } from '@sightline/protocol'
import type * as Y from 'yjs'
import { type BeforeSendResult, checkBeforeSend } from './collision.js'
import { createObservable, type Observable, sameJson } from './observable.js'
import { type Reply, readReplies, repliesArray, replyKey } from './replies.js'

export interface ReplyTrackerOptions {
  readonly doc: Y.Doc
  readonly user: PresenceUser
}

export interface ReplyTracker {
  /** Replies by other agents, newest first. */
  readonly replies: Observable<readonly Reply[]>
  /** The room's document arrived (sync step 2). */
  synced(): void
  /** This tab began composing (switched to replying): the replies seen now are not news. */
  composingStarted(): void
  /** A socket opened: sends a reply signal that waited for it. */
  flush(send: (frame: Uint8Array) => void): void
  /** Sends the reply signal with `send` (false: the connection is down, it waits for `flush`). */
  markReplySent(send: (frame: Uint8Array) => boolean): void
  beforeSend(others: readonly Viewer[]): BeforeSendResult
  destroy(): void
}

export function createReplyTracker(options: ReplyTrackerOptions): ReplyTracker {
  const { doc, user } = options
  const replies = createObservable<readonly Reply[]>(Object.freeze([]), sameJson)
  /**
   * Keys of the replies this tab had seen when it began composing (or, before it ever
   * composed, when it first synced): any other reply is a conflict. Null until either.
   */
  let seenAtCompose: Set<string> | null = null
  /** A reply signal waiting for the connection (markReplySent while offline). */
  let signalPending = false
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
    composingStarted() {
      seenAtCompose = seenNow()
    },
    flush(sendNow) {
      if (!signalPending) return
      signalPending = false
      sendNow(encodeSignalFrame(SignalKind.ReplySent))
    },
    markReplySent(send) {
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
