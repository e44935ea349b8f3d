export type { Activity, PresenceState, PresenceUser, Viewer } from '@sightline/protocol'
export { backoffDelay } from './backoff.js'
export {
  type BeforeSendResult,
  checkBeforeSend,
  firstReplier,
  type ReplyConflicts,
} from './collision.js'
export type { ConnectionStatus } from './connection.js'
export type { EventLike, EventSourceLike, PresenceEnvironment } from './environment.js'
export { PresenceError, type PresenceErrorCode } from './errors.js'
export {
  createMailboxPresence,
  type MailboxConversations,
  type MailboxPresence,
  type MailboxPresenceOptions,
} from './mailbox-presence.js'
export { defaultPresenceOptions, type PresenceOptions } from './options.js'
export { createPresence, type PresenceClient } from './presence.js'
export {
  MAX_REPLIES,
  REPLIES_KEY,
  type Reply,
  type ReplyEntry,
  readReplies,
  readReplyEntry,
} from './replies.js'
export type { WebSocketCtor, WebSocketLike } from './websocket-like.js'
