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
  encodeSignalFrame,
  foldViewers,
  MessageType,
  type PresenceState,
  type PresenceUser,
  readAwarenessUpdate,
  readPresenceState,
  SignalKind,
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
import { acceptableAwarenessUpdate, ownAwarenessFrame } from './frames.js'
import { createIdleTracker } from './idle.js'
import {
  type PresenceOptions,
  resolveRenewInterval,
  resolveTimings,
  resolveWebSocket,
} from './options.js'
import { type Reply, readReplies, repliesArray, replyKey } from './replies.js'
import { tokenUser } from './token.js'

export interface PresenceClient {
  readonly status: ConnectionStatus
  /** Other agents, folded by user id (local user excluded), in `foldViewers` order. */
  readonly others: readonly Viewer[]
  readonly user: PresenceUser
  readonly activity: Activity
  readonly away: boolean
  /**
   * The room's document as the relay writes it (the reply log); read-only: the relay refuses
   * document writes (4405), so local changes never leave this tab.
   */
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
  /**
   * When this tab began composing (its switch to 'replying', ms epoch, as the others see it);
   * null while viewing.
   */
  readonly composingSince: number | null
  /**
   * Tells the room that this agent just sent a reply; call it after sending. The relay writes
   * the entry, naming this agent from the token; sent on reconnect if the tab is offline.
   */
  markReplySent(): void
  /** Called now and whenever `replies` changes; returns an unsubscribe function. */
  onReplies(listener: (replies: readonly Reply[]) => void): () => void
  /**
   * What the host should confirm before sending: replies by other agents that this tab had not
   * seen when it began composing (before it ever composed: when it first synced), and other
   * agents replying right now. `ok` when there is neither.
   */
  beforeSend(): BeforeSendResult
  /**
   * Who started replying first (fold order: earliest `since`, then user id), the same on every
   * tab with no lock; null when nobody replies. `includeSelf` (default true) counts this agent.
   * Every tab compares the `since` values the relay forwarded (it takes a tab's own within a
   * small tolerance of its clock, else stamps its own and tells that tab).
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
  /**
   * Keys of the replies this tab had seen when it began composing (or, before it ever
   * composed, when it first synced): any other reply is a conflict. Null until either.
   */
  let seenAtCompose: Set<string> | null = null
  /** A reply signal waiting for the connection (markReplySent while offline). */
  let replySignalPending = false
  /**
   * The `since` the relay forwards for this tab's current state when it differs from ours
   * (our clock is off by more than the relay tolerates: it stamped its own); null while the
   * relay forwards ours as it is.
   */
  let relaySince: number | null = null
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
      open: (send) => {
        send(ownAwarenessFrame(awareness))
        if (replySignalPending) {
          replySignalPending = false
          send(encodeSignalFrame(SignalKind.ReplySent))
        }
      },
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
        // The relay writes the document and asks for nothing: apply, never answer.
        const step = syncProtocol.readSyncMessage(
          decoder,
          encoding.createEncoder(),
          doc,
          connection,
        )
        if (step === syncProtocol.messageYjsSyncStep2 && seenAtCompose === null) {
          seenAtCompose = new Set(readReplies(doc, user.id).map(replyKey))
        }
        return
      }
      case MessageType.Awareness: {
        const raw = decoding.readVarUint8Array(decoder)
        noteOwnCorrection(raw)
        const update = acceptableAwarenessUpdate(raw, clientId)
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

  /**
   * The relay corrects a `since` it will not take as it is by sending this tab its own entry
   * back, with this tab's clock: applies if that is still the current state.
   */
  function noteOwnCorrection(update: Uint8Array): void {
    const clock = awareness.meta.get(clientId)?.clock
    try {
      for (const entry of readAwarenessUpdate(update)) {
        if (entry.clientId !== clientId || entry.clock !== clock) continue
        const state = readPresenceState(JSON.parse(entry.json))
        if (state !== null && state.activity === activity) relaySince = state.since
      }
    } catch {
      // A malformed update is dropped by acceptableAwarenessUpdate below.
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

  /**
   * Every tab's presence state in the room, this tab's own included, with the `since` the
   * others see for it (see `relaySince`).
   */
  function allStates(): PresenceState[] {
    const states: PresenceState[] = []
    for (const [id, raw] of awareness.getStates()) {
      const state = readPresenceState(raw)
      if (state === null) continue
      const own = id === clientId && relaySince !== null
      states.push(own ? { ...state, since: relaySince as number } : state)
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
      relaySince = null
      if (next === 'replying') seenAtCompose = new Set(readReplies(doc, user.id).map(replyKey))
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
      // On the clock the others see (the relay's correction, when it made one), like `at`.
      return activity === 'replying' ? (relaySince ?? since) : null
    },
    markReplySent() {
      if (destroyed) return
      if (!connection.send(encodeSignalFrame(SignalKind.ReplySent))) replySignalPending = true
    },
    onReplies(listener) {
      repliesListeners.add(listener)
      listener(replies)
      return () => repliesListeners.delete(listener)
    },
    beforeSend() {
      const seen = seenAtCompose
      return checkBeforeSend(replies, others, (r) => seen?.has(replyKey(r)) === true)
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
