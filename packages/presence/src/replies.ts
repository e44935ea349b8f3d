/**
 * The "a reply was sent" log of a conversation, kept in the room's Yjs document so it reaches
 * every tab through the relay and lives exactly as long as the room does (relay memory only).
 *
 *   doc.getArray('replies'): [{ "userId", "name", "at": <ms epoch>, "clientId" }, ...]
 *
 * Appended in send order by each tab, trimmed from the front to the last `MAX_REPLIES`.
 * Anything in the document can be written by any peer of the room, so entries are read through
 * `readReplyEntry` and invalid ones are ignored, never trusted.
 */
import { PresenceLimits, type PresenceUser } from '@sightline/protocol'
import type * as Y from 'yjs'

/** Name of the shared array in the room document. */
export const REPLIES_KEY = 'replies'

/** Entries kept in the log; older ones are trimmed by whoever appends. */
export const MAX_REPLIES = 20

/** One entry of the log, as stored in the document. */
export interface ReplyEntry {
  readonly userId: string
  readonly name: string
  /** When the reply was sent (ms epoch, the sender's clock). */
  readonly at: number
  /** Awareness client ID of the tab that sent it. */
  readonly clientId: number
}

/** A reply as the host app sees it (the shape `<sightline-replied-notice>` takes). */
export interface Reply {
  readonly user: PresenceUser
  readonly at: number
  readonly clientId: number
}

const isName = (v: unknown, max: number): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= max

/** A clean copy of `value` if it is a valid log entry, else `null`. */
export function readReplyEntry(value: unknown): ReplyEntry | null {
  if (typeof value !== 'object' || value === null) return null
  const v = value as Record<string, unknown>
  const { userId, name, at, clientId } = v
  if (!isName(userId, PresenceLimits.idLength)) return null
  if (!isName(name, PresenceLimits.nameLength)) return null
  if (typeof at !== 'number' || !Number.isFinite(at) || at < 0) return null
  if (typeof clientId !== 'number' || !Number.isSafeInteger(clientId) || clientId < 0) return null
  return { userId, name, at, clientId }
}

/** The shared array of `doc`. */
export function repliesArray(doc: Y.Doc): Y.Array<unknown> {
  return doc.getArray<unknown>(REPLIES_KEY)
}

/** Appends `entry` and trims the log to its last `max` entries, in one transaction. */
export function appendReply(doc: Y.Doc, entry: ReplyEntry, max = MAX_REPLIES): void {
  const log = repliesArray(doc)
  doc.transact(() => {
    log.push([{ ...entry }])
    const excess = log.length - max
    if (excess > 0) log.delete(0, excess)
  })
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
    replies.push({
      user: { id: entry.userId, name: entry.name },
      at: entry.at,
      clientId: entry.clientId,
    })
  }
  return replies.sort((a, b) => b.at - a.at || b.clientId - a.clientId)
}
