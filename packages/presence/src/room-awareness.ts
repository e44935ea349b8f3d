/**
 * The awareness of this tab and of its room: publishes this tab's own state, applies what the
 * relay says about everyone else, and folds them into `others`.
 *
 * The relay owns liveness and clocks (docs/architecture.md), so remote states never expire
 * here by wall clock (remote-expiry.ts): they go when the relay removes them, or all at once
 * when the connection is lost (`clearRemoteStates`), and whatever the relay sends after a
 * reconnect applies again. This tab sends its own entry, and only it, on every local change.
 */
import {
  type AwarenessEntry,
  foldViewers,
  type PresenceState,
  readPresenceState,
  type Viewer,
} from '@sightline/protocol'
import * as random from 'lib0/random'
import { Awareness, applyAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import type * as Y from 'yjs'
import { acceptableAwarenessUpdate, ownAwarenessFrame } from './frames.js'
import { createObservable, type Observable, sameJson } from './observable.js'
import { stopRemoteExpiry } from './remote-expiry.js'
import { type Renewal, startRenewal } from './renewal.js'

/** Origin of local awareness changes in y-protocols' events. */
const LOCAL = 'local'
/** Origin of the updates the relay sent, in y-protocols' and Yjs' events. */
export const RELAY_ORIGIN = 'relay'
/** Origin of the removals this client makes itself when its connection is lost. */
const CONNECTION_LOST = 'connection-lost'

export interface RoomAwarenessOptions {
  readonly doc: Y.Doc
  /** This tab's agent: left out of `others` (its other tabs too). */
  readonly userId: string
  /** This tab's state as it is now; published on every `publish()`. */
  readonly ownState: () => PresenceState
}

/** Renewal of the own state (renewal.ts): every `intervalMs` (0: never), checked this often. */
export interface RenewalTimings {
  readonly intervalMs: number
  readonly checkEveryMs: number
}

interface AwarenessChanges {
  readonly added: number[]
  readonly updated: number[]
  readonly removed: number[]
}

export class RoomAwareness {
  /** Other agents, folded by user id (this tab's agent left out), in `foldViewers` order. */
  readonly others: Observable<readonly Viewer[]> = createObservable<readonly Viewer[]>(
    Object.freeze([]),
    sameJson,
  )
  readonly #awareness: Awareness
  readonly #options: RoomAwarenessOptions
  /** True while this tab's state is out of the room (`withdraw()` until `rejoin()`). */
  #withdrawn = false
  #renewal: Renewal | null = null
  /** Folds every other tab's state into `others` (on each awareness change). */
  readonly #refreshOthers = (): void => {
    const states: PresenceState[] = []
    for (const [id, raw] of this.#awareness.getStates()) {
      if (id === this.clientId) continue
      const state = readPresenceState(raw)
      if (state !== null) states.push(state)
    }
    this.others.set(Object.freeze(foldViewers(states, { excludeUserId: this.#options.userId })))
  }

  /** Publishes this tab's state locally; nothing goes out before `sendChangesOn`. */
  constructor(options: RoomAwarenessOptions) {
    this.#options = options
    this.#awareness = new Awareness(options.doc)
    stopRemoteExpiry(this.#awareness)
    this.#awareness.setLocalState(options.ownState())
    this.#awareness.on('change', this.#refreshOthers)
  }

  /** This tab's awareness client ID; a fresh one after `takeFreshClientId()`. */
  get clientId(): number {
    return this.#awareness.clientID
  }

  /** The awareness clock of this tab's own entry (what the relay echoes in a correction). */
  get ownClock(): number | undefined {
    return this.#awareness.meta.get(this.clientId)?.clock
  }

  /** Whether this tab's state is in the room (false once withdrawn). */
  get hasOwnState(): boolean {
    return this.#awareness.getLocalState() !== null
  }

  /** An awareness frame holding this tab's own entry (on open, or asked by the relay). */
  ownFrame(): Uint8Array {
    return ownAwarenessFrame(this.#awareness)
  }

  /**
   * From now on every local change of this tab's entry goes out through `connection`, and
   * the entry is renewed as `renewal` says.
   */
  sendChangesOn(connection: { send(frame: Uint8Array): boolean }, renewal: RenewalTimings): void {
    const { intervalMs, checkEveryMs } = renewal
    const renewing = startRenewal(this.#awareness, intervalMs, checkEveryMs)
    this.#renewal = renewing
    this.#awareness.on('update', (changes: AwarenessChanges, origin: unknown) => {
      if (origin !== LOCAL) return
      const { added, updated, removed } = changes
      if ([added, updated, removed].some((ids) => ids.includes(this.clientId))) {
        connection.send(this.ownFrame())
        renewing.sent()
      }
    })
  }

  /** Publishes this tab's current state, unless it is withdrawn. */
  publish(): void {
    if (!this.#withdrawn) this.#awareness.setLocalState(this.#options.ownState())
  }

  /** Takes this tab's state out of the room (one null entry); false if it already was. */
  withdraw(): boolean {
    if (this.#withdrawn) return false
    this.#withdrawn = true
    this.#awareness.setLocalState(null)
    return true
  }

  /** Puts this tab's state back after `withdraw()`; false if it was not withdrawn. */
  rejoin(): boolean {
    if (!this.#withdrawn) return false
    this.#withdrawn = false
    this.#awareness.setLocalState(this.#options.ownState())
    return true
  }

  /** Applies the relay's awareness update (read once by the caller) for the other clients. */
  applyRemote(entries: readonly AwarenessEntry[]): void {
    const update = acceptableAwarenessUpdate(entries, this.clientId)
    if (update !== null) applyAwarenessUpdate(this.#awareness, update, RELAY_ORIGIN)
  }

  /** The connection is gone: nobody it told us about can be trusted to still be here. */
  clearRemoteStates(): void {
    const awareness = this.#awareness
    const remote = [...awareness.getStates().keys()].filter((id) => id !== this.clientId)
    removeAwarenessStates(awareness, remote, CONNECTION_LOST)
    // Forget their clocks too, so whatever the relay sends after reconnecting applies.
    for (const id of [...awareness.meta.keys()]) if (id !== this.clientId) awareness.meta.delete(id)
  }

  /**
   * Another agent claimed this tab's client ID first in the room (a squatter that got there
   * while this tab was away, or after a relay restart): the tab goes on under a fresh random
   * one, so the others see it again as soon as the connection rejoins. The doc is written by
   * the relay alone, so only the awareness needs the new ID.
   */
  takeFreshClientId(): void {
    const previous = this.clientId
    let next = previous
    while (next === previous) next = randomClientId()
    this.#awareness.states.delete(previous)
    this.#awareness.meta.delete(previous)
    this.#awareness.clientID = next
    this.publish()
  }

  /**
   * Every tab's presence state in the room, this tab's own passed through `own` (to give it
   * the `since` the others see).
   */
  states(own: (state: PresenceState) => PresenceState): PresenceState[] {
    const states: PresenceState[] = []
    for (const [id, raw] of this.#awareness.getStates()) {
      const state = readPresenceState(raw)
      if (state !== null) states.push(id === this.clientId ? own(state) : state)
    }
    return states
  }

  /** Stops publishing and forgets everyone; the awareness and `others` are empty for good. */
  destroy(): void {
    this.#renewal?.stop()
    this.#awareness.off('change', this.#refreshOthers)
    this.#awareness.destroy()
    this.clearRemoteStates()
    this.others.clear()
    this.others.set(Object.freeze([]))
  }
}

/** A random awareness client ID, drawn as Yjs draws a document's (an unsigned 32-bit number). */
function randomClientId(): number {
  return random.uint32()
}
