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
  type PresenceState,
  type PresenceUser,
  readAwarenessUpdate,
  readFrame,
  readPresenceState,
  SyncStep,
  type Viewer,
} from '@sightline/protocol'
import * as random from 'lib0/random'
import { Awareness, applyAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { type BeforeSendResult, firstReplier as firstReplierOf } from './collision.js'
import { type ConnectionStatus, createConnection } from './connection.js'
import { defaultEnvironment, watchPageCache } from './environment.js'
import { PresenceError } from './errors.js'
import { acceptableAwarenessUpdate, ownAwarenessFrame } from './frames.js'
import { createIdleTracker } from './idle.js'
import { createListeners, createObservable, sameJson } from './observable.js'
import {
  type PresenceOptions,
  resolveRenewInterval,
  resolveTimings,
  resolveTokenIn,
  resolveWebSocket,
} from './options.js'
import type { Reply } from './replies.js'
import { createReplyTracker } from './reply-tracker.js'
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
  /**
   * Why the status is not `connected`: the refusal that closed the client (`refused`), or the
   * last cause after several failed attempts (`connect-failed`); null once the relay admits
   * the tab. The same errors reach `onError` as they happen.
   */
  readonly error: PresenceError | null
  /**
   * Called with each error the client recovered from or stopped on (a token refresh that
   * failed, a frame it could not read, a refusal by the relay); returns an unsubscribe function.
   */
  onError(listener: (error: PresenceError) => void): () => void
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
  /** This tab's awareness client ID; a fresh one when the relay says another agent has it. */
  let clientId = awareness.clientID

  let activity: Activity = 'viewing'
  let since = Date.now()
  let destroyed = false
  let left = false
  const others = createObservable<readonly Viewer[]>(Object.freeze([]), sameJson)
  const status = createObservable<ConnectionStatus>('connecting')
  const errors = createListeners<PresenceError>()
  let lastError: PresenceError | null = null

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
      tokenIn: resolveTokenIn(options),
      environment,
      ...timings,
    },
    {
      open: (send) => {
        send(ownAwarenessFrame(awareness))
        replyTracker.flush(send)
      },
      message: (frame, reply) => receive(frame, reply),
      lost: () => clearRemoteStates(),
      clientIdTaken: () => takeFreshClientId(),
      status: (next) => {
        if (next === 'connected') lastError = null
        status.set(next)
      },
      error: (error) => {
        if (error.code === 'refused' || error.code === 'connect-failed') lastError = error
        errors.emit(error)
      },
    },
  )
  const replyTracker = createReplyTracker({
    doc,
    user,
    clientId: () => clientId,
    send: (frame) => connection.send(frame),
  })
  status.set(connection.status)

  // Send this tab's entry, and only it, whenever it changes locally (including renewals).
  awareness.on('update', ({ added, updated, removed }: AwarenessChanges, origin: unknown) => {
    if (origin !== LOCAL) return
    if ([added, updated, removed].some((ids) => ids.includes(clientId))) {
      connection.send(ownAwarenessFrame(awareness))
      lastRenewedAt = performance.now()
    }
  })
  awareness.on('change', refreshOthers)

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

  /** Applies one frame from the relay; throws when it cannot be read (the connection restarts). */
  function receive(bytes: Uint8Array, reply: (frame: Uint8Array) => void): void {
    const frame = readFrame(bytes)
    switch (frame.kind) {
      case 'sync':
        // The relay writes the document and asks for nothing: apply, never answer.
        if (frame.step === SyncStep.Step1) return
        applyDocumentUpdate(frame.payload)
        if (frame.step === SyncStep.Step2) replyTracker.synced()
        return
      case 'awareness': {
        // Read once: for the relay's correction of our own entry, then for the others'.
        const entries = readAwarenessUpdate(frame.update)
        replyTracker.noteOwnCorrection(entries, awareness.meta.get(clientId)?.clock, activity)
        const update = acceptableAwarenessUpdate(entries, clientId)
        if (update !== null) applyAwarenessUpdate(awareness, update, connection)
        return
      }
      case 'query-awareness':
        if (awareness.getLocalState() !== null) reply(ownAwarenessFrame(awareness))
        return
      case 'signal':
      case 'other':
        // Signals go to the relay only; auth (unused by Sightline) and newer peers' types.
        return
    }
  }

  /**
   * Applies a document update from the relay. Yjs throws from inside `applyUpdate` (a bad
   * update, or an observer that threw): reported, and the rest of the frame stream goes on,
   * as y-protocols' own reader does.
   */
  function applyDocumentUpdate(update: Uint8Array): void {
    try {
      Y.applyUpdate(doc, update, connection)
    } catch (cause) {
      errors.emit(
        new PresenceError('bad-frame', 'a document update could not be applied', { cause }),
      )
    }
  }

  /**
   * Another agent claimed this tab's client ID first in the room (a squatter that got there
   * while this tab was away, or after a relay restart): the tab goes on under a fresh random
   * one, so the others see it again as soon as the connection rejoins. The doc is written by
   * the relay alone, so only the awareness needs the new ID.
   */
  function takeFreshClientId(): void {
    const previous = clientId
    let next = previous
    while (next === previous) next = randomClientId()
    awareness.states.delete(previous)
    awareness.meta.delete(previous)
    clientId = next
    awareness.clientID = next
    if (!destroyed && !left) awareness.setLocalState(localState())
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
    others.set(Object.freeze(foldViewers(states, { excludeUserId: user.id })))
  }

  /**
   * Every tab's presence state in the room, this tab's own included, with the `since` the
   * others see for it (the relay's correction, when it made one).
   */
  function allStates(): PresenceState[] {
    const relaySince = replyTracker.relaySince
    const states: PresenceState[] = []
    for (const [id, raw] of awareness.getStates()) {
      const state = readPresenceState(raw)
      if (state === null) continue
      const own = id === clientId && relaySince !== null
      states.push(own ? { ...state, since: relaySince } : state)
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
      return others.value
    },
    user,
    get activity() {
      return activity
    },
    get away() {
      return away
    },
    doc,
    get clientId() {
      return clientId
    },
    setActivity(next) {
      if (next === activity) return
      activity = next
      since = Date.now()
      replyTracker.activityChanged(next)
      publish()
    },
    setAway,
    subscribe: (listener) => others.subscribe(listener),
    onStatus: (listener) => status.subscribe(listener),
    get error() {
      return lastError
    },
    onError: (listener) => errors.add(listener),
    get replies() {
      return replyTracker.replies.value
    },
    get composingSince() {
      // On the clock the others see (the relay's correction, when it made one), like `at`.
      return activity === 'replying' ? (replyTracker.relaySince ?? since) : null
    },
    markReplySent() {
      if (!destroyed) replyTracker.markReplySent()
    },
    onReplies: (listener) => replyTracker.replies.subscribe(listener),
    beforeSend() {
      return replyTracker.beforeSend(others.value)
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
      replyTracker.destroy()
      awareness.destroy()
      doc.destroy()
      clearRemoteStates()
      others.clear()
      others.set(Object.freeze([]))
      status.clear()
      errors.clear()
    },
  }
}

interface AwarenessChanges {
  readonly added: number[]
  readonly updated: number[]
  readonly removed: number[]
}

/** A random awareness client ID, drawn as Yjs draws a document's (an unsigned 32-bit number). */
function randomClientId(): number {
  return random.uint32()
}
