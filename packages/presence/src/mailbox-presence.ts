/**
 * Who is on each conversation of a mailbox, for its list page: one WebSocket to the mailbox
 * room `mailbox/<m>`, where the relay publishes one summary per conversation with viewers
 * (protocol `mailbox-summary.ts`). The page writes nothing there; it only listens. The socket
 * is kept alive, reconnected and re-authenticated by the same connection module as a
 * conversation's presence (heartbeats, backoff, token handover).
 *
 * Receivers apply entries by y-protocols' rules (a higher clock wins; an equal clock only for
 * a removal). Everything is forgotten when the connection is lost: the relay sends every
 * current summary again when the next socket joins.
 */
import {
  mailboxRoom,
  type PresenceUser,
  readAwarenessUpdate,
  readFrame,
  readMailboxSummary,
  type Viewer,
} from '@sightline/protocol'
import { type ConnectionStatus, createConnection } from './connection.js'
import { defaultEnvironment, watchPageCache } from './environment.js'
import type { PresenceError } from './errors.js'
import { createListeners, createObservable, sameJson } from './observable.js'
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

/** Conversation id -> other agents on it (fold order); conversations nobody else is on are absent. */
export type MailboxConversations = ReadonlyMap<string, readonly Viewer[]>

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

/** Summary entry as last applied: its relay clock and the conversation it named. */
interface Entry {
  readonly clock: number
  readonly conversation: string | null
}

/** Opens the mailbox room of `options.mailboxId` and follows its summaries until `destroy()`. */
export function createMailboxPresence(options: MailboxPresenceOptions): MailboxPresence {
  const room = mailboxRoom(options.mailboxId)
  const timings = resolveTimings({ ...options, room })
  const WebSocket = resolveWebSocket(options.WebSocket)
  const user = tokenUser(options.token)
  const environment = options.environment === undefined ? defaultEnvironment() : options.environment

  const entries = new Map<number, Entry>()
  // A new map on every change: each change is published as it is made.
  const conversations = createObservable<MailboxConversations>(new Map())
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
      message: (frame) => receive(frame),
      lost: () => forgetAll(),
      status: (next) => void status.set(next),
      error: (error) => errors.emit(error),
    },
  )
  status.set(connection.status)

  function receive(bytes: Uint8Array): void {
    const frame = readFrame(bytes)
    // Sync frames carry the mailbox room's document, which a list page does not use.
    if (frame.kind !== 'awareness') return
    const next = new Map(conversations.value)
    let changed = false
    for (const e of readAwarenessUpdate(frame.update)) {
      const prev = entries.get(e.clientId)
      const isNull = e.json === 'null'
      if (prev !== undefined && !(e.clock > prev.clock || (e.clock === prev.clock && isNull)))
        continue
      const summary = isNull ? null : readMailboxSummary(parse(e.json))
      entries.set(e.clientId, { clock: e.clock, conversation: summary?.conversation ?? null })
      if (prev?.conversation != null && prev.conversation !== summary?.conversation) {
        changed = next.delete(prev.conversation) || changed
      }
      if (summary === null) continue
      const viewers = summary.viewers.filter((v) => v.user.id !== user.id)
      const before = next.get(summary.conversation)
      if (viewers.length === 0) {
        changed = next.delete(summary.conversation) || changed
      } else if (before === undefined || !sameJson(before, viewers)) {
        // Filtering keeps the relay's fold order (replying first).
        next.set(summary.conversation, Object.freeze(viewers))
        changed = true
      }
    }
    if (changed) conversations.set(next)
  }

  function forgetAll(): void {
    entries.clear()
    if (conversations.value.size > 0) conversations.set(new Map())
  }

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
      entries.clear()
      conversations.clear()
      conversations.set(new Map())
      status.clear()
      errors.clear()
    },
  }
}

function parse(json: string): unknown {
  try {
    return JSON.parse(json)
  } catch {
    return null
  }
}
