/**
 * Reading the room's reply log. The relay alone writes it (see `@sightline/protocol`
 * reply-log.ts): a tab announces a reply with a signal, and the relay appends the entry with
 * the sender's token identity and its own clock. Here the log is only read, every entry
 * through `readReplyEntry`.
 */
import {
  type PresenceUser,
  REPLIES_KEY,
  type ReplyEntry,
  readReplyEntry,
  replyEntryKey,
} from '@sightline/protocol'
import type * as Y from 'yjs'

export { MAX_REPLIES, REPLIES_KEY, type ReplyEntry, readReplyEntry } from '@sightline/protocol'

/** A reply as the host app sees it (the shape `<sightline-replied-notice>` takes). */
export interface Reply {
  readonly user: PresenceUser
  /** When the relay received it (ms epoch, the relay's clock). */
  readonly at: number
  readonly clientId: number
}

/** The shared array of `doc`. */
export function repliesArray(doc: Y.Doc): Y.Array<unknown> {
  return doc.getArray<unknown>(REPLIES_KEY)
}

/**
 * Valid replies in `doc` whose user is not `excludeUserId`, newest first (ties: higher client
 * ID first, so every tab lists them alike).
 */
export function readReplies(doc: Y.Doc, excludeUserId?: string): Reply[] {
  const replies: Reply[] = []
  for (const value of repliesArray(doc)) {
    const entry = readReplyEntry(value)
    if (entry === null || entry.userId === excludeUserId) continue
    replies.push({ user: userOf(entry), at: entry.at, clientId: entry.clientId })
  }
  return replies.sort((a, b) => b.at - a.at || b.clientId - a.clientId)
}

/** The key naming `reply`: its log entry's (`replyEntryKey`, one format for every reader). */
export function replyKey(reply: Reply): string {
  return replyEntryKey({ at: reply.at, userId: reply.user.id, clientId: reply.clientId })
}

function userOf(entry: ReplyEntry): PresenceUser {
  return entry.avatar === undefined
    ? { id: entry.userId, name: entry.name }
    : { id: entry.userId, name: entry.name, avatar: entry.avatar }
}
