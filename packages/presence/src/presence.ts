/**
 * One tab's presence in one room: its parts wired together, and the handle the host app holds
 * (`PresenceClient`). Each part is a file with one job:
 *
 *   activity.ts          what this tab's agent is doing, since when (the `since` the others
 *                        see, after the relay's correction), and whether away
 *   room-awareness.ts    this tab's state out, everybody else's in, folded into `others`
 *   reply-tracker.ts     the reply log, reply signals and the collision checks
 *   connection.ts        the socket; connection-report.ts is its status and errors for the host
 *   page-lifecycle.ts    leaving on pagehide, rejoining from the back/forward cache
 *
 * The relay owns liveness and clocks (docs/architecture.md), so this client does not expire
 * remote states by wall clock (remote-expiry.ts) nor renew its own (`renewIntervalMs`,
 * renewal.ts, default off): the relay refreshes every live state for every receiver, and this
 * tab's state goes out on every (re)connect and change. `receive` hands each frame from the
 * relay to the part that owns it.
 */
import {
  Activity,
  type PresenceUser,
  readAwarenessUpdate,
  readFrame,
  SyncStep,
  type Viewer,
} from '@sightline/protocol'
import * as Y from 'yjs'
import { createActivity, type TabActivity } from './activity.js'
import { type BeforeSendResult, firstReplier as firstReplierOf } from './collision.js'
import { type Connection, type ConnectionStatus, createConnection } from './connection.js'
import { type ConnectionReport, createConnectionReport } from './connection-report.js'
import { defaultEnvironment } from './environment.js'
import { PresenceError } from './errors.js'
import {
  type PresenceOptions,
  resolveRenewInterval,
  resolveTimings,
  resolveTokenIn,
  resolveWebSocket,
} from './options.js'
import { type PageLifecycle, watchPageLifecycle } from './page-lifecycle.js'
import type { Reply } from './replies.js'
import { createReplyTracker, type ReplyTracker } from './reply-tracker.js'
import { RELAY_ORIGIN, RoomAwareness } from './room-awareness.js'
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

/** The parts of one tab's presence (see the header). */
interface Parts {
  readonly user: PresenceUser
  readonly doc: Y.Doc
  readonly activity: TabActivity
  readonly room: RoomAwareness
  readonly replies: ReplyTracker
  readonly report: ConnectionReport
  readonly connection: Connection
  readonly lifecycle: PageLifecycle
}

/** The parts a frame from the relay may concern. */
type Inbound = Pick<Parts, 'doc' | 'activity' | 'room' | 'replies' | 'report'>

/** Joins `options.room` on the relay and keeps this tab's presence there until `destroy()`. */
export function createPresence(options: PresenceOptions): PresenceClient {
  const timings = resolveTimings(options)
  const renewIntervalMs = resolveRenewInterval(options)
  const WebSocket = resolveWebSocket(options.WebSocket)
  const user = tokenUser(options.token)
  const environment = options.environment === undefined ? defaultEnvironment() : options.environment

  const doc = new Y.Doc()
  const activity = createActivity({ environment, idleTimeoutMs: timings.idleTimeoutMs })
  const room = new RoomAwareness({
    doc,
    userId: user.id,
    ownState: () => ({
      user,
      activity: activity.current,
      away: activity.away,
      since: activity.since,
    }),
  })
  const replies = createReplyTracker({ doc, user })
  const report = createConnectionReport()
  const inbound: Inbound = { doc, activity, room, replies, report }
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
        send(room.ownFrame())
        replies.flush(send)
      },
      message: (frame, reply) => receive(inbound, frame, reply),
      lost: () => room.clearRemoteStates(),
      clientIdTaken: () => room.takeFreshClientId(),
      status: (next) => report.statusChanged(next),
      error: (error) => report.errorOccurred(error),
    },
  )
  report.status.set(connection.status)
  room.sendChangesOn(connection, {
    intervalMs: renewIntervalMs,
    checkEveryMs: Math.min(renewIntervalMs / 3, timings.heartbeatIntervalMs),
  })
  // What a change of this tab's activity triggers, in one place.
  activity.onChange((change) => {
    if (change === 'activity' && activity.current === Activity.Replying) {
      replies.composingStarted()
    }
    room.publish()
  })
  const lifecycle = watchPageLifecycle(environment, room, connection)
  return presenceHandle({ user, doc, activity, room, replies, report, connection, lifecycle })
}

/** Applies one frame from the relay; throws when it cannot be read (the connection restarts). */
function receive(parts: Inbound, bytes: Uint8Array, reply: (frame: Uint8Array) => void): void {
  const { activity, room } = parts
  const frame = readFrame(bytes)
  switch (frame.kind) {
    case 'sync':
      // The relay writes the document and asks for nothing: apply, never answer.
      if (frame.step === SyncStep.Step1) return
      applyDocumentUpdate(parts, frame.payload)
      if (frame.step === SyncStep.Step2) parts.replies.synced()
      return
    case 'awareness': {
      // Read once: for the relay's correction of our own `since`, then for the others' states.
      const entries = readAwarenessUpdate(frame.update)
      activity.readCorrection(entries, room.clientId, room.ownClock)
      room.applyRemote(entries)
      return
    }
    case 'query-awareness':
      if (room.hasOwnState) reply(room.ownFrame())
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
function applyDocumentUpdate(
  { doc, report }: Pick<Parts, 'doc' | 'report'>,
  update: Uint8Array,
): void {
  try {
    Y.applyUpdate(doc, update, RELAY_ORIGIN)
  } catch (cause) {
    report.errors.emit(
      new PresenceError('bad-frame', 'a document update could not be applied', { cause }),
    )
  }
}

/** The handle the host app holds over `parts`. */
function presenceHandle(parts: Parts): PresenceClient {
  const { user, doc, activity, room, replies, report, connection, lifecycle } = parts
  return {
    get status() {
      return connection.status
    },
    get others() {
      return room.others.value
    },
    user,
    get activity() {
      return activity.current
    },
    get away() {
      return activity.away
    },
    doc,
    get clientId() {
      return room.clientId
    },
    setActivity: (next) => void activity.set(next),
    setAway: (next) => void activity.setAway(next),
    subscribe: (listener) => room.others.subscribe(listener),
    onStatus: (listener) => report.status.subscribe(listener),
    get error() {
      return report.lastError
    },
    onError: (listener) => report.errors.add(listener),
    get replies() {
      return replies.replies.value
    },
    get composingSince() {
      // On the clock the others see (the relay's correction, when it made one), like `at`.
      return activity.composingSince
    },
    markReplySent() {
      if (!lifecycle.ended) replies.markReplySent((frame) => connection.send(frame))
    },
    onReplies: (listener) => replies.replies.subscribe(listener),
    beforeSend: () => replies.beforeSend(room.others.value),
    firstReplier(includeSelf = true) {
      const states = room.states((own) => activity.asOthersSee(own))
      return firstReplierOf(states, includeSelf ? undefined : user.id)
    },
    destroy() {
      if (lifecycle.ended) return
      lifecycle.end()
      connection.destroy()
      activity.destroy()
      replies.destroy()
      room.destroy()
      doc.destroy()
      report.clear()
    },
  }
}
