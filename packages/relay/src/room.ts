/**
 * One room: the connections in it, its Y.Doc (y-protocols sync) and its awareness table.
 * The room forwards bytes: each outgoing frame is encoded once and the same bytes go to
 * every other connection; nothing is echoed to its sender.
 */
import {
  encodeAwarenessFrame,
  HEARTBEAT_FRAME,
  MessageType,
  type SightlineClaims,
} from '@sightline/protocol'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { type AwarenessOwner, AwarenessTable, NULL_STATE } from './awareness-table.js'
import { RelayError, RelayErrorCode } from './errors.js'
import { checkIdentity } from './identity.js'
import { decodeFrame, type ParsedEntry } from './inbound-frame.js'
import { DEFAULT_OPTIONS, type RelayOptions, removalGraceOf } from './options.js'
import { RefreshBatch } from './refresh-batch.js'

/**
 * What a room enforces on what its peers write, and how long it keeps the states of a peer
 * that left abruptly (see the options of the same names and `removalGraceOf`).
 */
export type RoomLimits = Pick<
  RelayOptions,
  | 'maxStateBytes'
  | 'maxDocumentBytes'
  | 'maxClientIdsPerConnection'
  | 'removalGraceMs'
  | 'livenessTimeoutMs'
  | 'sweepIntervalMs'
>

/** What a room needs from a connection. */
export interface RoomPeer extends AwarenessOwner {
  readonly id: string
  readonly claims: SightlineClaims
  send(frame: Uint8Array): void
}

/** The result of handling one inbound frame. */
export interface ReceiveResult {
  /** Entries for client IDs owned by another connection that were not mere echoes. */
  readonly forged: number
}

const NOTHING_FORGED: ReceiveResult = Object.freeze({ forged: 0 })

/** What the relay wants of one room beyond forwarding (mailbox-summaries.ts sets these). */
export interface RoomHooks {
  /** Called after the room's awareness states changed and the change was broadcast. */
  readonly onAwarenessChange?: ((room: Room) => void) | undefined
  /** False: clients may write no awareness state here (a room of relay-owned states). */
  readonly clientStates?: boolean | undefined
}

export class Room {
  readonly name: string
  readonly doc = new Y.Doc()
  readonly awareness = new AwarenessTable<RoomPeer>()
  readonly #peers = new Set<RoomPeer>()
  readonly #limits: RoomLimits
  /** See `removalGraceOf`; 0 releases at once. */
  readonly #graceMs: number
  /**
   * Peers that left abruptly with live states, and when (monotonic ms) to remove those. One
   * grace per room, so insertion order is due order.
   */
  readonly #leaving = new Map<RoomPeer, number>()
  /**
   * An upper estimate of the document's encoded size: exact after a recount, then plus the
   * size of every update applied since. Recounted (one full encode) only when it would pass
   * the limit, so the check costs one addition per update.
   */
  #docBytes = 0
  readonly #hooks: RoomHooks

  constructor(name: string, limits: RoomLimits = DEFAULT_OPTIONS, hooks: RoomHooks = {}) {
    this.name = name
    this.#limits = limits
    this.#graceMs = removalGraceOf(limits)
    this.#hooks = hooks
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, MessageType.Sync)
      syncProtocol.writeUpdate(encoder, update)
      this.broadcast(encoding.toUint8Array(encoder), origin)
    })
  }

  get size(): number {
    return this.#peers.size
  }

  /** Adds `peer` and sends it sync step 1, sync step 2 and every current state. */
  join(peer: RoomPeer): void {
    this.#peers.add(peer)
    const step1 = encoding.createEncoder()
    encoding.writeVarUint(step1, MessageType.Sync)
    syncProtocol.writeSyncStep1(step1, this.doc)
    peer.send(encoding.toUint8Array(step1))
    const step2 = encoding.createEncoder()
    encoding.writeVarUint(step2, MessageType.Sync)
    syncProtocol.writeSyncStep2(step2, this.doc)
    peer.send(encoding.toUint8Array(step2))
    const states = this.awareness.snapshot()
    if (states.length > 0) peer.send(encodeAwarenessFrame(states))
  }

  /**
   * Removes `peer` and tells everyone else, in one frame, that its states are gone. `abrupt`:
   * its socket closed without it nulling its states first (a browser closing a resumed frozen
   * tab's socket, a network error); then its states stay for the removal grace, so the same
   * tab reconnecting at once takes them over (AwarenessTable.classify) and nobody sees it
   * leave. The sweep removes whatever it still owns afterwards (`releaseDue`).
   */
  leave(peer: RoomPeer, abrupt = false): void {
    if (!this.#peers.delete(peer)) return
    if (abrupt && this.#graceMs > 0 && this.awareness.ownsLive(peer)) {
      this.#leaving.set(peer, performance.now() + this.#graceMs)
      return
    }
    this.#release(peer)
  }

  /**
   * Called once the room has no peer and no state held for an abrupt leaver, after the last
   * such state was released by the sweep (the registry frees the room then).
   */
  onIdle: (() => void) | undefined

  /** No peer, and no abrupt leaver's state waiting for its grace: the room may be freed. */
  get idle(): boolean {
    return this.#peers.size === 0 && this.#leaving.size === 0
  }

  /** Removes, for everyone, the states of peers that left abruptly once their grace is over. */
  releaseDue(now: number): void {
    if (this.#leaving.size === 0) return
    for (const [peer, dueAt] of this.#leaving) {
      if (dueAt > now) break
      this.#leaving.delete(peer)
      this.#release(peer)
    }
    if (this.idle) this.onIdle?.()
  }

  /**
   * Handles one frame from `peer`. Throws RelayError `bad_frame` (malformed frame or state),
   * `identity_mismatch`, `state_too_large`, `document_too_large` or `too_many_client_ids`;
   * then nothing of that frame has been applied or forwarded.
   */
  receive(peer: RoomPeer, bytes: Uint8Array): ReceiveResult {
    const frame = decodeFrame(bytes)
    switch (frame.kind) {
      case 'sync-step1':
        peer.send(this.#syncStep2For(frame.stateVector))
        return NOTHING_FORGED
      case 'sync-update':
        this.#applyUpdate(peer, frame.update)
        return NOTHING_FORGED
      case 'awareness':
        if (frame.entries.length === 0) {
          peer.send(HEARTBEAT_FRAME)
          return NOTHING_FORGED
        }
        return this.#receiveAwareness(peer, frame.entries)
      case 'query-awareness':
        peer.send(encodeAwarenessFrame(this.awareness.snapshot()))
        return NOTHING_FORGED
    }
  }

  /**
   * Re-sends, with fresh relay clocks, the states due for a refresh (AwarenessTable.takeDue):
   * one frame per receiver holding all of them but its own (RefreshBatch), not one per owner.
   */
  refresh(refreshIntervalMs: number): void {
    const due = this.awareness.takeDue(refreshIntervalMs)
    if (due.size === 0) return
    const batch = new RefreshBatch(due)
    for (const peer of this.#peers) {
      const frame = batch.frameFor(peer)
      if (frame !== null) peer.send(frame)
    }
  }

  /** Sends the same bytes to every connection except `except`. */
  broadcast(frame: Uint8Array, except: unknown): void {
    for (const peer of this.#peers) if (peer !== except) peer.send(frame)
  }

  /** Frees the room (its last peer left): states kept for abrupt leavers go with it. */
  destroy(): void {
    this.#leaving.clear()
    this.doc.destroy()
  }

  /** Releases what `peer` owns; one frame of removals (fresh clocks) to everyone else. */
  #release(peer: RoomPeer): void {
    const removed = this.awareness.release(peer)
    if (removed.length > 0) {
      this.broadcast(encodeAwarenessFrame(removed), peer)
      this.#hooks.onAwarenessChange?.(this)
    }
  }

  #receiveAwareness(peer: RoomPeer, entries: readonly ParsedEntry[]): ReceiveResult {
    // Every entry in a room of relay-owned states is an attempt to write someone else's.
    if (this.#hooks.clientStates === false) return { forged: entries.length }
    let forged = 0
    const writes: { clientId: number; json: string }[] = []
    let introduced: Set<number> | undefined
    for (const entry of entries) {
      if (Buffer.byteLength(entry.json) > this.#limits.maxStateBytes) {
        throw new RelayError(RelayErrorCode.StateTooLarge, 'awareness state too large')
      }
      const verdict = this.awareness.classify(peer, entry)
      if (verdict === 'forged') forged++
      if (verdict !== 'write') continue
      let json = entry.json
      if (json !== NULL_STATE) {
        const check = checkIdentity(entry.value, peer.claims)
        if (!check.ok && check.reason === 'mismatch') {
          throw new RelayError(
            RelayErrorCode.IdentityMismatch,
            'awareness state names another user',
          )
        }
        // Not a presence state (yet): never forwarded; it withdraws what its owner had set.
        if (!check.ok) json = NULL_STATE
      }
      if (json === NULL_STATE && !this.awareness.isLive(entry.clientId)) continue
      if (this.awareness.ownerOf(entry.clientId) !== peer) {
        introduced ??= new Set()
        introduced.add(entry.clientId)
        if (
          this.awareness.ownedCount(peer) + introduced.size >
          this.#limits.maxClientIdsPerConnection
        )
          throw new RelayError(RelayErrorCode.TooManyClientIds, 'too many awareness client IDs')
      }
      writes.push({ clientId: entry.clientId, json })
    }
    if (writes.length > 0) {
      const out = writes.map((e) => this.awareness.commit(peer, e.clientId, e.json))
      this.broadcast(encodeAwarenessFrame(out), peer)
      this.#hooks.onAwarenessChange?.(this)
    }
    return forged === 0 ? NOTHING_FORGED : { forged }
  }

  #syncStep2For(stateVector: Uint8Array): Uint8Array {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MessageType.Sync)
    encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep2)
    try {
      encoding.writeVarUint8Array(encoder, Y.encodeStateAsUpdate(this.doc, stateVector))
    } catch (cause) {
      throw new RelayError(RelayErrorCode.BadFrame, 'malformed state vector', { cause })
    }
    return encoding.toUint8Array(encoder)
  }

  #applyUpdate(peer: RoomPeer, update: Uint8Array): void {
    const max = this.#limits.maxDocumentBytes
    if (this.#docBytes + update.byteLength > max) {
      this.#docBytes = Y.encodeStateAsUpdate(this.doc).byteLength
      if (this.#docBytes + update.byteLength > max) {
        throw new RelayError(RelayErrorCode.DocumentTooLarge, 'room document would grow too large')
      }
    }
    try {
      Y.applyUpdate(this.doc, update, peer)
    } catch (cause) {
      throw new RelayError(RelayErrorCode.BadFrame, 'malformed document update', { cause })
    }
    this.#docBytes += update.byteLength
  }
}
