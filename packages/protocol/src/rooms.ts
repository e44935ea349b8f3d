/**
 * Room names. A room is the URL path of a relay connection, without the leading slash:
 *
 *   mailbox/<mailboxId>/conversation/<conversationId>   one conversation's presence
 *   mailbox/<mailboxId>                                 the mailbox list (summaries)
 *
 * Any other name made of valid segments is a valid room too (a stock y-websocket client may
 * use one); whether a connection may join it is up to its token's grants.
 * A segment is 1-64 characters of [A-Za-z0-9_-] and may hold dots, but is never "." or "..".
 */
export const RoomNameLimits = Object.freeze({
  maxLength: 256,
  maxSegments: 8,
  maxSegmentLength: 64,
})

const SEGMENT = new RegExp(`^[A-Za-z0-9_.-]{1,${RoomNameLimits.maxSegmentLength}}$`)

/** True when `name` is a well-formed room name (see the file header). */
export function isValidRoomName(name: string): boolean {
  if (name.length === 0 || name.length > RoomNameLimits.maxLength) return false
  const segments = name.split('/')
  if (segments.length > RoomNameLimits.maxSegments) return false
  return segments.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..')
}

export type ParsedRoom =
  | { readonly kind: 'conversation'; readonly mailboxId: string; readonly conversationId: string }
  | { readonly kind: 'mailbox'; readonly mailboxId: string }
  | { readonly kind: 'other' }

/** Parses a valid room name into what it stands for; `null` when the name is invalid. */
export function parseRoom(name: string): ParsedRoom | null {
  if (!isValidRoomName(name)) return null
  const s = name.split('/')
  if (s[0] === 'mailbox' && s.length === 2) return { kind: 'mailbox', mailboxId: s[1]! }
  if (s[0] === 'mailbox' && s.length === 4 && s[2] === 'conversation') {
    return { kind: 'conversation', mailboxId: s[1]!, conversationId: s[3]! }
  }
  return { kind: 'other' }
}

/** The room of one conversation. */
export function conversationRoom(mailboxId: string | number, conversationId: string | number) {
  return `mailbox/${mailboxId}/conversation/${conversationId}`
}

/** The room of a mailbox's list page. */
export function mailboxRoom(mailboxId: string | number) {
  return `mailbox/${mailboxId}`
}

/**
 * Whether one grant pattern admits `room`. A pattern is an exact room name, or a prefix
 * ending in `/*` that admits every room strictly below it: `mailbox/3/*` admits
 * `mailbox/3/conversation/9` but neither `mailbox/3` nor `mailbox/30/conversation/9`.
 * The single pattern `*` admits every room (for development tokens only).
 */
export function grantAdmits(pattern: string, room: string): boolean {
  if (pattern === '*') return true
  if (pattern.endsWith('/*')) {
    const prefix = pattern.slice(0, -1) // keeps the trailing slash
    return room.length > prefix.length && room.startsWith(prefix)
  }
  return pattern === room
}

/** Whether any of the token's `rooms` patterns admits `room`. */
export function roomGranted(patterns: readonly string[], room: string): boolean {
  return patterns.some((p) => grantAdmits(p, room))
}
