/**
 * The room's reply log: who sent a reply to the customer, and when. It lives in the room's
 * Yjs document, which only the relay writes (clients announce a reply with a signal, see
 * signal.ts), so every tab, stock y-websocket clients included, reads it by syncing:
 *
 *   doc.getArray('replies'): [{ "userId", "name", "avatar"?, "at", "clientId" }, ...]
 *
 * `userId`, `name` and `avatar` are the sender's token claims; `at` is the relay's clock (ms
 * epoch, strictly rising within a room); `clientId` is the awareness client ID of the tab that
 * sent it. The relay keeps the last `MAX_REPLIES` entries. Readers still check every entry
 * (`readReplyEntry`): a document may also hold what an older relay let clients write.
 */
import { PresenceLimits } from './presence-state.js'

/** Name of the shared array in the room document. */
export const REPLIES_KEY = 'replies'

/** Entries the relay keeps in the log; older ones are trimmed from the front. */
export const MAX_REPLIES = 20

/** One entry of the log, as stored in the document. */
export interface ReplyEntry {
  readonly userId: string
  readonly name: string
  readonly avatar?: string | undefined
  /** When the relay received the signal (ms epoch, the relay's clock). */
  readonly at: number
  /** Awareness client ID of the tab that sent it. */
  readonly clientId: number
}

const isText = (v: unknown, max: number): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= max

/**
 * The key naming one entry of the log, the one format every reader of the log uses: the
 * relay's `at` rises strictly within a room, and the sender and its tab tell apart entries
 * of different relay runs.
 */
export function replyEntryKey(entry: Pick<ReplyEntry, 'at' | 'userId' | 'clientId'>): string {
  return `${entry.at}\u0000${entry.userId}\u0000${entry.clientId}`
}

/** A clean copy of `value` if it is a valid log entry, else `null`. */
export function readReplyEntry(value: unknown): ReplyEntry | null {
  if (typeof value !== 'object' || value === null) return null
  const { userId, name, avatar, at, clientId } = value as Record<string, unknown>
  if (!isText(userId, PresenceLimits.idLength)) return null
  if (!isText(name, PresenceLimits.nameLength)) return null
  if (avatar !== undefined && !isText(avatar, PresenceLimits.avatarLength)) return null
  if (typeof at !== 'number' || !Number.isFinite(at) || at < 0) return null
  if (typeof clientId !== 'number' || !Number.isSafeInteger(clientId) || clientId < 0) return null
  return avatar === undefined
    ? { userId, name, at, clientId }
    : { userId, name, avatar, at, clientId }
}
