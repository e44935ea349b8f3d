/**
 * One tab's presence in one room: its own awareness state out, everybody else's folded in.
 *
 * The relay owns liveness and clocks (docs/architecture.md), so this client turns off
 * y-protocols' wall-clock expiry of remote states (a laptop waking up would mass-expire live
 * peers) and relies on the relay's removals plus its own connection liveness instead. It does
 * not renew its own state either (option `renewIntervalMs`, default off): the relay refreshes
 * every live state for every receiver; the state goes out on every (re)connect and change.
 */
import {
  type Activity,
  foldViewers,
  MessageType,
  type PresenceState,
  type PresenceUser,
  readPresenceState,
  type Viewer,
} from '@sightline/protocol'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { Awareness, applyAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import {
  type BeforeSendResult,
  checkBeforeSend,
  firstReplier as firstReplierOf,
} from './collision.js'
import { type ConnectionStatus, createConnection } from './connection.js'
import { defaultEnvironment, watchPageCache } from './environment.js'
import { acceptableAwarenessUpdate, ownAwarenessFrame, syncUpdateFrame } from './frames.js'
import { createIdleTracker } from './idle.js'
import {
  type PresenceOptions,
  resolveRenewInterval,
  resolveTimings,
  resolveWebSocket,
} from './options.js'
import { appendReply, type Reply, readReplies, repliesArray } from './replies.js'
import { tokenUser } from './token.js'

export interface PresenceClient {
  readonly status: ConnectionStatus
  /** Other agents, folded by user id (local user excluded), in `foldViewers` order. */
  readonly others: readonly Viewer[]
  readonly user: PresenceUser
  readonly activity: Activity
  readonly away: boolean
  /** The room's document (ephemeral signals such as "a reply was sent"). */
  readonly doc: Y.Doc
  /** This tab's awareness client ID. */
  readonly clientId: number
  setActivity(activity: Activity): void
  /** Manual override of away; the automatic idle/visibility detection changes it again later. */
  setAway(away: boolean): void
  /** Called now and whenever the folded list changes; returns an unsubscribe function. */
  subscribe(listener: (others: readonly Viewer[]) => void): () => void
  /** Called now and on every status change; returns an unsubscribe function. */
  onStatus(listener: (status: ConnectionStatus) => void): () => void
  /** Replies sent by other agents (the room's reply log, last ~20), newest first. */
  readonly replies: readonly Reply[]
  /** When this tab began composing (its switch to 'replying', ms epoch); null while viewing. */
  readonly composingSince: number | null
  /** Records in the room that this agent just sent a reply; call it after sending. */
  markReplySent(): void
  /** Called now and whenever `replies` changes; returns an unsubscribe function. */
  onReplies(listener: (replies: readonly Reply[]) => void): () => void
  /**
   * What the host should confirm before sending: replies by other agents since this tab began
   * composing (before it ever composed: since it joined), and other agents replying right now.
   * `ok` when there is neither.
   */
  beforeSend(): BeforeSendResult
  /**
   * Who started replying first (fold order: earliest `since`, then user id), the same on every
   * tab with no lock; null when nobody replies. `includeSelf` (default true) counts this agent.
   */
  firstReplier(includeSelf?: boolean): Viewer | null
  /** Removes this tab's state for everyone at once (one frame) and closes the socket. */
  destroy(): void
}

/** Origin of local awareness changes in y-protocols' events. */
const LOCAL = 'local'
/** Origin of the removals this client makes itself when its connection is lost. */
const CONNECTION_LOST = 'connection-lost'

/** Joins `options.room` on the relay and keeps this tab's presence there until `destroy()`. */
export function createPresence(options: PresenceOptions): PresenceClient {
  const timings = resolveTimings(options)
  const renewIntervalMs = resolveRenewInterval(options)
  const WebSocket = resolveWebSocket(options.WebSocket)
  const user = tokenUser(options.token)
  const environment = options.environment === undefined ? defaultEnvironment() : options.environment

  const doc = new Y.Doc()
  const awareness = new Awareness(doc)
  // y-protocols expires remote states by wall clock every 3 s; the relay owns that decision.
  clearInterval(awareness._checkInterval)
  const clientId = awareness.clientID

  let activity: Activity = 'viewing'
  let since = Date.now()
  /** Start of the current (or last) composition; replies from then on are conflicts. */
  let composeStart = since
  let destroyed = false
  let left = false
  let others: readonly Viewer[] = Object.freeze([])
  let othersKey = '[]'
  const othersListeners = new Set<(others: readonly Viewer[]) => void>()
  const statusListeners = new Set<(status: ConnectionStatus) => void>()
  let replies: readonly Reply[] = Object.freeze([])
  let repliesKey = '[]'
  const repliesListeners = new Set<(replies: readonly Reply[]) => void>()

  const idle = createIdleTracker({
    environment,
    idleTimeoutMs: timings.idleTimeoutMs,
    onChange: (away) => setAway(away),
  })
  let away = idle.away

  let lastRenewedAt = performance.now()
  const localState = (): PresenceState => ({ user, activity, away, since })
  awareness.setLocalState(localState())

  const connection = createConnection(
    {
      url: options.url,
      room: options.room,
      token: options.token,
      getToken: options.getToken,
      WebSocket,
      environment,
      ...timings,
    },
    {
      open: (send) => send(ownAwarenessFrame(awareness)),
      message: (frame, reply) => receive(frame, reply),
      lost: () => clearRemoteStates(),
      status: (status) => {
        for (const listener of statusListeners) listener(status)
      },
    },
  )

  // Send this tab's entry, and only it, whenever it changes locally (including renewals).
  awareness.on('update', ({ added, updated, removed }: AwarenessChanges, origin: unknown) => {
    if (origin !== LOCAL) return
    if ([added, updated, removed].some((ids) => ids.includes(clientId))) {
      connection.send(ownAwarenessFrame(awareness))
      lastRenewedAt = performance.now()
    }
  })
  awareness.on('change', refreshOthers)
  const replyLog = repliesArray(doc)
  replyLog.observe(refreshReplies)
  doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== connection) connection.send(syncUpdateFrame(update))
  })

  // Off by default: the relay refreshes every live state for every receiver. When asked for
  // (a relay that does not refresh), renew as y-protocols would, on the monotonic clock.
  const renewTimer =
    renewIntervalMs > 0
      ? setInterval(
          () => {
            if (performance.now() - lastRenewedAt < renewIntervalMs) return
            const state = awareness.getLocalState()
            if (state !== null) awareness.setLocalState(state)
          },
          Math.min(renewIntervalMs / 3, timings.heartbeatIntervalMs),
        )
      : undefined

  function receive(frame: Uint8Array, reply: (frame: Uint8Array) => void): void {
    const decoder = decoding.createDecoder(frame)
    const type = decoding.readVarUint(decoder)
    switch (type) {
      case MessageType.Sync: {
        const encoder = encoding.createEncoder()
        encoding.writeVarUint(encoder, MessageType.Sync)
        syncProtocol.readSyncMessage(decoder, encoder, doc, connection)
        if (encoding.length(encoder) > 1) reply(encoding.toUint8Array(encoder))
        return
      }
      case MessageType.Awareness: {
        const update = acceptableAwarenessUpdate(decoding.readVarUint8Array(decoder), clientId)
        if (update !== null) applyAwarenessUpdate(awareness, update, connection)
        return
      }
      case MessageType.QueryAwareness:
        if (awareness.getLocalState() !== null) reply(ownAwarenessFrame(awareness))
        return
      default:
        // Auth (unused by Sightline) and frame types from newer peers: nothing to do.
        return
    }
  }

  /** The connection is gone: nobody it told us about can be trusted to still be here. */
  function clearRemoteStates(): void {
    const remote = [...awareness.getStates().keys()].filter((id) => id !== clientId)
    removeAwarenessStates(awareness, remote, CONNECTION_LOST)
    // Forget their clocks too, so whatever the relay sends after reconnecting applies.
    for (const id of [...awareness.meta.keys()]) if (id !== clientId) awareness.meta.delete(id)
  }

  function refreshOthers(): void {
    const states: PresenceState[] = []
    for (const [id, raw] of awareness.getStates()) {
      if (id === clientId) continue
      const state = readPresenceState(raw)
      if (state !== null) states.push(state)
    }
    const next = foldViewers(states, { excludeUserId: user.id })
    const key = JSON.stringify(next)
    if (key === othersKey) return
    othersKey = key
    others = Object.freeze(next)
    for (const listener of othersListeners) listener(others)
  }

  function refreshReplies(): void {
    const next = readReplies(doc, user.id)
    const key = JSON.stringify(next)
    if (key === repliesKey) return
    repliesKey = key
    replies = Object.freeze(next)
    for (const listener of repliesListeners) listener(replies)
  }

  /** Every tab's presence state in the room, this tab's own included. */
  function allStates(): PresenceState[] {
    const states: PresenceState[] = []
    for (const raw of awareness.getStates().values()) {
      const state = readPresenceState(raw)
      if (state !== null) states.push(state)
    }
    return states
  }

  function publish(): void {
    if (!destroyed && !left) awareness.setLocalState(localState())
  }

  function setAway(next: boolean): void {
    if (next === away) return
    away = next
    publish()
  }

  /** Leaves the room for everyone (pagehide): one null frame, then close with 1000. */
  function leave(): void {
    if (left) return
    left = true
    awareness.setLocalState(null)
    connection.stop()
  }

  /** Comes back after `leave()` (a page restored from the back/forward cache). */
  function rejoin(): void {
    if (!left || destroyed) return
    left = false
    awareness.setLocalState(localState())
    connection.start()
  }

  const stopLifecycle = watchPageCache(environment, leave, rejoin)

  return {
    get status() {
      return connection.status
    },
    get others() {
      return others
    },
    user,
    get activity() {
      return activity
    },
    get away() {
      return away
    },
    doc,
    clientId,
    setActivity(next) {
      if (next === activity) return
      activity = next
      since = Date.now()
      if (next === 'replying') composeStart = since
      publish()
    },
    setAway,
    subscribe(listener) {
      othersListeners.add(listener)
      listener(others)
      return () => othersListeners.delete(listener)
    },
    onStatus(listener) {
      statusListeners.add(listener)
      listener(connection.status)
      return () => statusListeners.delete(listener)
    },
    get replies() {
      return replies
    },
    get composingSince() {
      return activity === 'replying' ? since : null
    },
    markReplySent() {
      if (destroyed) return
      appendReply(doc, { userId: user.id, name: user.name, at: Date.now(), clientId })
    },
    onReplies(listener) {
      repliesListeners.add(listener)
      listener(replies)
      return () => repliesListeners.delete(listener)
    },
    beforeSend() {
      return checkBeforeSend(replies, others, composeStart)
    },
    firstReplier(includeSelf = true) {
      return firstReplierOf(allStates(), includeSelf ? undefined : user.id)
    },
    destroy() {
      if (destroyed) return
      leave()
      destroyed = true
      connection.destroy()
      stopLifecycle()
      idle.destroy()
      clearInterval(renewTimer)
      awareness.off('change', refreshOthers)
      replyLog.unobserve(refreshReplies)
      awareness.destroy()
      doc.destroy()
      clearRemoteStates()
      others = Object.freeze([])
      othersKey = '[]'
      replies = Object.freeze([])
      repliesKey = '[]'
      othersListeners.clear()
      statusListeners.clear()
      repliesListeners.clear()
    },
  }
}

interface AwarenessChanges {
  readonly added: number[]
  readonly updated: number[]
  readonly removed: number[]
}
