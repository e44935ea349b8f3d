/**
 * Who is on each conversation of a mailbox, for its list page: one WebSocket to the mailbox
 * room `mailbox/<m>`, where the relay publishes one summary per conversation with viewers
 * (protocol `mailbox-summary.ts`). The page writes nothing there; it only listens. The socket
 * is kept alive, reconnected and re-authenticated by the same connection module as a
 * conversation's presence (heartbeats, backoff, token handover).
 *
 * The summaries are applied by y-protocols' rules (mailbox-conversations.ts). Everything is
 * forgotten when the connection is lost: the relay sends every current summary again when the
 * next socket joins.
 */
import {
  mailboxRoom,
  type PresenceUser,
  readAwarenessUpdate,
  readFrame,
  type Viewer,
} from '@sightline/protocol'
import { type ConnectionStatus, createConnection } from './connection.js'
import { defaultEnvironment, watchPageCache } from './environment.js'
import type { PresenceError } from './errors.js'
import { ConversationTable, type MailboxConversations } from './mailbox-conversations.js'
import { createListeners, createObservable } from './observable.js'
import {
  type ConnectionOptions,
  resolveTimings,
  resolveTokenIn,
  resolveWebSocket,
} from './options.js'
import { tokenUser } from './token.js'

export interface MailboxPresenceOptions extends ConnectionOptions {
  /** The mailbox whose list this page shows; the token must grant `mailbox/<id>`. */
  mailboxId: string | number
}

export type { MailboxConversations } from './mailbox-conversations.js'

export interface MailboxPresence {
  readonly status: ConnectionStatus
  /** The local agent (from the token), left out of every list of viewers. */
  readonly user: PresenceUser
  /**
   * Other agents per conversation. A new map on every change; a conversation's array is the
   * same object until that conversation changes, so a row can compare by reference.
   */
  readonly conversations: MailboxConversations
  /** The other agents on `conversationId` (empty when nobody). */
  viewersOf(conversationId: string | number): readonly Viewer[]
  /** Called now and whenever `conversations` changes; returns an unsubscribe function. */
  subscribe(listener: (conversations: MailboxConversations) => void): () => void
  /** Called now and on every status change; returns an unsubscribe function. */
  onStatus(listener: (status: ConnectionStatus) => void): () => void
  /** Called with each error the list recovered from or stopped on; returns an unsubscribe function. */
  onError(listener: (error: PresenceError) => void): () => void
  /** Closes the socket and forgets everything. */
  destroy(): void
}

const NOBODY: readonly Viewer[] = Object.freeze([])

/** Opens the mailbox room of `options.mailboxId` and follows its summaries until `destroy()`. */
export function createMailboxPresence(options: MailboxPresenceOptions): MailboxPresence {
  const room = mailboxRoom(options.mailboxId)
  const timings = resolveTimings({ ...options, room })
  const WebSocket = resolveWebSocket(options.WebSocket)
  const user = tokenUser(options.token)
  const environment = options.environment === undefined ? defaultEnvironment() : options.environment

  const table = new ConversationTable(user.id)
  const { conversations } = table
  const status = createObservable<ConnectionStatus>('connecting')
  const errors = createListeners<PresenceError>()
  let destroyed = false

  const connection = createConnection(
    {
      url: options.url,
      room,
      token: options.token,
      getToken: options.getToken,
      WebSocket,
      tokenIn: resolveTokenIn(options),
      environment,
      heartbeatIntervalMs: timings.heartbeatIntervalMs,
      livenessTimeoutMs: timings.livenessTimeoutMs,
      reconnectMinDelayMs: timings.reconnectMinDelayMs,
      reconnectMaxDelayMs: timings.reconnectMaxDelayMs,
    },
    {
      // A list page has no state of its own: nothing to announce on a new socket.
      open: () => {},
      message: (bytes) => {
        const frame = readFrame(bytes)
        // Sync frames carry the mailbox room's document, which a list page does not use.
        if (frame.kind === 'awareness') table.apply(readAwarenessUpdate(frame.update))
      },
      lost: () => table.forgetAll(),
      status: (next) => void status.set(next),
      error: (error) => errors.emit(error),
    },
  )
  status.set(connection.status)

  const stopLifecycle =
    // A page kept in the back/forward cache holds no socket; it reconnects when shown.
    watchPageCache(
      environment,
      () => connection.stop(),
      () => {
        if (!destroyed) connection.start()
      },
    )

  return {
    get status() {
      return connection.status
    },
    user,
    get conversations() {
      return conversations.value
    },
    viewersOf(conversationId) {
      return conversations.value.get(String(conversationId)) ?? NOBODY
    },
    subscribe: (listener) => conversations.subscribe(listener),
    onStatus: (listener) => status.subscribe(listener),
    onError: (listener) => errors.add(listener),
    destroy() {
      if (destroyed) return
      destroyed = true
      connection.destroy()
      stopLifecycle()
      table.destroy()
      status.clear()
      errors.clear()
    },
  }
}
