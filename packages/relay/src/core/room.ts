/**
 * One room: the connections in it, its awareness table and its relay-written document
 * (room-document.ts). The room forwards bytes: each outgoing frame is encoded once and the
 * same bytes go to every other connection; nothing is echoed to its sender.
 *
 * A busy room coalesces (`coalesceWindowMs`, scaled by the room's size: `coalesceWindowOf`):
 * an awareness change goes out at once when the room forwarded none in the last window;
 * otherwise it waits for the window's end, when each receiver gets one frame with every change
 * held meanwhile (the latest per client ID, never its own). Removals take the same path, so
 * nothing overtakes a held change.
 *
 * Budgets are per agent (token subject), shared by all its connections in the room
 * (`SubjectBudgets`): the state bytes it writes, and the answer bytes its questions cost.
 * A connection that is not reading (connection.ts) is held: the room gives it a `HoldMark`
 * and, when it reads again, one catch-up (`catchUp`) with what changed after the mark.
 */
import {
  type AwarenessEntry,
  type BusState,
  encodeAwarenessFrame,
  HEARTBEAT_FRAME,
  readPresenceState,
  type SightlineClaims,
  SignalKind,
} from '@sightline/protocol'
import { DEFAULT_OPTIONS, type RelayOptions, removalGraceOf } from '../config/options.js'
import { RelayError, RelayErrorCode } from '../errors.js'
import { RefusalReason } from '../refusal.js'
import { type AwarenessOwner, AwarenessTable, NULL_STATE } from './awareness-table.js'
import { checkIdentity } from './identity.js'
import { decodeFrame, type ParsedEntry } from './inbound-frame.js'
import { RefreshBatch } from './refresh-batch.js'
import { isEmptyUpdate, RoomDocument } from './room-document.js'
import { SubjectBudgets } from './subject-budgets.js'

/**
 * What a room enforces on what its peers write, and how long it keeps the states of a peer
 * that left abruptly (see the options of the same names and `removalGraceOf`).
 */
export type RoomLimits = Pick<
  RelayOptions,
  | 'maxStateBytes'
  | 'subjectBytesPerSecond'
  | 'maxClientIdsPerConnection'
  | 'removalGraceMs'
  | 'livenessTimeoutMs'
  | 'sweepIntervalMs'
  | 'coalesceWindowMs'
>

/**
 * The claims a peer keeps once admitted: who it is and until when. The granted room patterns
 * are checked at admission and not kept (one array and its strings less per connection).
 */
export type PeerClaims = Omit<SightlineClaims, 'rooms'>

/** What a room needs from a connection (or from a stand-in owner: a remote node, the relay). */
export interface RoomPeer extends AwarenessOwner {
  readonly id: string
  readonly claims: PeerClaims
  send(frame: Uint8Array): void
  /** Logs at debug level why something it sent was dropped (never on the hot path otherwise). */
  debug?(fields: object, message: string): void
  /** True for a stand-in owning the states of another relay node's tabs (cluster mode). */
  readonly remote?: boolean
  /**
   * The room takes back a client ID this peer held because another node's earlier claim of
   * another agent won it (cluster mode): the peer is closed with 4409.
   */
  evict?(reason: RefusalReason): void
  /**
   * The room let go of this peer for good: it left, and whatever states it left live were
   * removed (after the removal grace when it left abruptly). Until then it still counts
   * toward its subject's and the relay's budgets.
   */
  released?(): void
}

/** The result of handling one inbound frame. */
export interface ReceiveResult {
  /** Entries for client IDs owned by another connection that were not mere echoes. */
  readonly forged: number
}

const NOTHING_FORGED: ReceiveResult = Object.freeze({ forged: 0 })

/**
 * Where a held reader stopped (see `Room.markHeld`): the room's change number and document
 * version it had been sent, and the client IDs live then (a removal of one whose record has
 * been dropped meanwhile is still owed).
 */
export interface HoldMark {
  readonly seq: number
  readonly docVersion: number
  readonly knownLive: ReadonlySet<number>
}

/** What the relay wants of one room beyond forwarding (mailbox-summaries.ts sets these). */
export interface RoomHooks {
  /** Called after the room's awareness states changed and the change was broadcast. */
  readonly onAwarenessChange?: ((room: Room) => void) | undefined
  /**
   * False: a read-only room of relay-owned states (a mailbox list): client awareness entries
   * are forged writes, signals are refused (4405).
   */
  readonly clientStates?: boolean | undefined
  /**
   * Cluster mode: the states of this node's own tabs changed (written, or removed: json
   * "null"), as forwarded to the room. Not called for states applied from other nodes.
   */
  readonly onOwnedStates?: ((room: Room, states: readonly BusState[]) => void) | undefined
  /** Cluster mode: this node's relay wrote a reply entry (its JSON) into the room document. */
  readonly onReply?: ((room: Room, entryJson: string) => void) | undefined
}

export class Room {
  readonly name: string
  readonly document: RoomDocument
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
  /** Each agent's budgets in this room, shared by its connections (subject-budgets.ts). */
  readonly #budgets: SubjectBudgets
  readonly #hooks: RoomHooks
  /** Awareness changes held for the end of the coalescing window, latest per client ID. */
  #held: Map<number, HeldChange> | null = null
  #heldTimer: ReturnType<typeof setTimeout> | null = null
  /** When (monotonic ms) the room last forwarded awareness changes. */
  #forwardedAt = Number.NEGATIVE_INFINITY
  /** The change number (AwarenessTable.seq) every reading peer has been sent up to. */
  #sentSeq = 0
  /** Rises with every change of the document sent to the room. */
  #docVersion = 0

  constructor(name: string, limits: RoomLimits = DEFAULT_OPTIONS, hooks: RoomHooks = {}) {
    this.name = name
    this.#limits = limits
    this.#graceMs = removalGraceOf(limits)
    this.#hooks = hooks
    this.#budgets = new SubjectBudgets(limits)
    // Relay-written changes go to every peer, the one whose signal caused them included.
    this.document = new RoomDocument((frame) => {
      // Counted after the sends: a peer held during them has not had this change.
      this.broadcast(frame, null)
      this.#docVersion++
    })
  }

  get size(): number {
    return this.#peers.size
  }

  /** Peers connected plus abrupt leavers whose states are still held (what the room costs). */
  get held(): number {
    return this.#peers.size + this.#leaving.size
  }

  /**
   * Adds `peer` and sends it the document (sync step 2) and every current state. No sync
   * step 1: the relay wants nothing of a client's document.
   */
  join(peer: RoomPeer): void {
    this.#peers.add(peer)
    const budget = this.#budgets.join(peer.subject)
    const doc = this.document.fullStateFrame()
    peer.send(doc)
    const states = this.awareness.snapshot()
    if (states.length === 0) {
      budget.charge(doc.byteLength)
      return
    }
    const frame = encodeAwarenessFrame(states)
    // A join is always answered; what it cost counts against the agent's next questions.
    budget.charge(doc.byteLength + frame.byteLength)
    peer.send(frame)
  }

  /**
   * `peer` stops being sent anything (it is not reading): what it has been sent so far, to
   * catch it up from (`catchUp`) when it reads again.
   */
  markHeld(): HoldMark {
    return {
      seq: this.#sentSeq,
      docVersion: this.#docVersion,
      knownLive: this.awareness.liveIds(),
    }
  }

  /**
   * What `peer`, held at `mark`, needs to be current again: the document when it changed,
   * and one awareness frame with the latest state of every client ID that changed (never
   * its own), removals as null. Never the history in between. `full`: every live state too,
   * with fresh clocks (a stock client missed the refreshes that keep its peers from timing
   * out).
   */
  catchUp(peer: RoomPeer, mark: HoldMark, full = false): Uint8Array[] {
    const frames: Uint8Array[] = []
    if (this.#docVersion !== mark.docVersion) frames.push(this.document.fullStateFrame())
    let entries = this.awareness.changedSince(mark.seq, peer, mark.knownLive)
    if (full) {
      const own = (id: number) => this.awareness.ownerOf(id) === peer
      const live = this.awareness.snapshot().filter((e) => !own(e.clientId))
      entries = [...entries.filter((e) => !this.awareness.isLive(e.clientId)), ...live]
    }
    if (entries.length > 0) frames.push(encodeAwarenessFrame(entries))
    return frames
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
    this.#budgets.leave(peer.subject)
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

  /**
   * No peer, no abrupt leaver's state waiting for its grace, and no live state of another
   * node's tab: the room may be freed.
   */
  get idle(): boolean {
    return this.#peers.size === 0 && this.#leaving.size === 0 && !this.awareness.hasLiveRemote()
  }

  /**
   * Applies states of another node's tabs (cluster mode), owned here by `owner`, which stands
   * for that node: each is re-clocked with this relay's clock and sent to every peer here in
   * one frame. A state of a client ID a local connection of the same agent owns moves to
   * `owner` (the tab reconnected to that node: the local connection yields it, and will not
   * remove it when it goes). A removal only removes what `owner` holds.
   *
   * Ownership across nodes: a client ID claimed here by another agent keeps its earlier claim
   * (`claimWins`: earlier `claimedAt`, ties to the smaller subject). When the claim held here
   * wins, the remote state is ignored and this node's claim is published again, so the other
   * node learns it; when the remote claim wins, the local holder gives the ID up (closed with
   * 4409 if it is a connection here). Every node applies the same rule, so all converge.
   */
  applyRemote(owner: RoomPeer, states: readonly BusState[]): void {
    const out: AwarenessEntry[] = []
    let evicted: Set<RoomPeer> | undefined
    let reassert: BusState[] | undefined
    for (const incoming of states) {
      const { clientId, json, subject, claimedAt } = incoming
      const held = this.awareness.claimOf(clientId)
      if (held !== undefined && held.subject !== subject) {
        if (claimWins(held, incoming)) {
          // Only a claim of this node's own (a tab here, or released here) is ours to repeat.
          if (!held.remote) {
            reassert ??= []
            const { json: heldJson, subject: heldSubject, claimedAt: heldAt } = held
            reassert.push({ clientId, json: heldJson, subject: heldSubject, claimedAt: heldAt })
          }
          continue
        }
        const { from, removal } = this.awareness.cede(clientId, subject, claimedAt)
        if (from !== null && from.remote !== true) {
          evicted ??= new Set()
          evicted.add(from)
        }
        if (removal !== null && json === NULL_STATE) out.push(removal)
      }
      if (json === NULL_STATE) {
        if (this.awareness.ownerOf(clientId) === owner && this.awareness.isLive(clientId)) {
          // With its agent's claim: the ID stays that agent's after the removal.
          out.push(this.awareness.commit(owner, clientId, NULL_STATE, null, 0, subject, claimedAt))
        }
        continue
      }
      // Another node's periodic republish of a state held here unchanged: nothing to tell
      // the tabs here (this room's own refresh keeps them from timing it out, batched with
      // every other state of the room).
      if (this.awareness.holds(owner, clientId, json)) continue
      let state: ReturnType<typeof readPresenceState>
      try {
        state = readPresenceState(JSON.parse(json))
      } catch {
        continue
      }
      if (state === null || state.user.id !== subject) continue
      out.push(
        this.awareness.commit(
          owner,
          clientId,
          json,
          state.activity,
          state.since,
          subject,
          claimedAt,
        ),
      )
    }
    if (reassert !== undefined) this.#hooks.onOwnedStates?.(this, reassert)
    if (out.length > 0) {
      this.#forward(out, owner)
      this.#hooks.onAwarenessChange?.(this)
    }
    if (evicted !== undefined) {
      for (const peer of evicted) peer.evict?.(RefusalReason.ClientIdTaken)
    }
  }

  /** Removes, for everyone here, every state `owner` (a remote node) holds: it went down. */
  releaseRemote(owner: RoomPeer): void {
    this.#release(owner)
  }

  /** The live states of this node's own tabs (cluster mode: what another node asks for). */
  ownStates(): BusState[] {
    return this.awareness.liveEntries((owner) => owner.remote !== true)
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
   * Handles one frame from `peer`. Throws RelayError `bad_frame` (malformed frame or state,
   * or one client ID twice in one update), `identity_mismatch`, `state_too_large`,
   * `too_many_client_ids`, `client_id_taken` (another agent's client ID),
   * `subject_rate_limited` (the agent's state bytes are spent), `read_only` (a document
   * write, or a signal in a read-only room) or `signal_without_state`; then nothing of that
   * frame has been applied or forwarded.
   */
  receive(peer: RoomPeer, bytes: Uint8Array): ReceiveResult {
    const frame = decodeFrame(bytes)
    switch (frame.kind) {
      case 'sync-step1': {
        // Over its agent's budget, a question goes unanswered (an honest client asks once
        // per socket).
        const answer = this.document.answerStep1(frame.stateVector)
        if (this.#budgets.of(peer.subject).answer(answer.byteLength)) peer.send(answer)
        return NOTHING_FORGED
      }
      case 'sync-update':
        // An up-to-date client's empty step 2 is harmless; any content is a write.
        if (!isEmptyUpdate(frame.update)) {
          throw new RelayError(RelayErrorCode.ReadOnly, 'the room document is written by the relay')
        }
        return NOTHING_FORGED
      case 'signal':
        this.#receiveSignal(peer, frame.signal)
        return NOTHING_FORGED
      case 'awareness':
        if (frame.entries.length === 0) {
          peer.send(HEARTBEAT_FRAME)
          return NOTHING_FORGED
        }
        return this.#receiveAwareness(peer, frame.entries)
      case 'query-awareness':
        // Weighed before it is encoded: a 1-byte question must not make the relay encode
        // hundreds of states it will not send.
        if (this.#budgets.of(peer.subject).answer(this.#snapshotBytes())) {
          peer.send(encodeAwarenessFrame(this.awareness.snapshot()))
        }
        return NOTHING_FORGED
    }
  }

  /**
   * Re-sends, with fresh relay clocks, the states due for a refresh (AwarenessTable.takeDue):
   * one frame per receiver holding all of them but its own (RefreshBatch), not one per owner.
   * Also drops the budgets of agents gone long enough for them to have refilled (the sweep's
   * turn for the room).
   */
  refresh(refreshIntervalMs: number): void {
    this.#budgets.prune()
    const due = this.awareness.takeDue(refreshIntervalMs)
    if (due.size === 0) return
    const batch = new RefreshBatch(due)
    for (const peer of this.#peers) {
      const frame = batch.frameFor(peer)
      if (frame !== null) peer.send(frame)
    }
    // Cluster mode: own tabs' states go on the bus again, healing a change the bus lost.
    const publish = this.#hooks.onOwnedStates
    if (publish === undefined) return
    const own: BusState[] = []
    for (const [owner, entries] of due) {
      if (owner.remote === true) continue
      for (const e of entries) own.push(this.#busState(e.clientId, e.json))
    }
    if (own.length > 0) publish(this, own)
  }

  /** Sends the same bytes to every connection except `except`. */
  broadcast(frame: Uint8Array, except: unknown): void {
    for (const peer of this.#peers) if (peer !== except) peer.send(frame)
  }

  /**
   * Forwards awareness changes `entries` written by `from` to every other peer: at once when
   * the room forwarded nothing in the last coalescing window, else at the window's end.
   */
  #forward(entries: readonly AwarenessEntry[], from: unknown): void {
    const windowMs = coalesceWindowOf(this.#limits.coalesceWindowMs, this.#peers.size)
    if (this.#held === null) {
      const now = performance.now()
      const quietFor = now - this.#forwardedAt
      if (windowMs <= 0 || quietFor >= windowMs) {
        this.#forwardedAt = now
        const seq = this.awareness.seq
        this.broadcast(encodeAwarenessFrame(entries), from)
        // After the sends: a peer held during them is caught up with these changes too.
        this.#sentSeq = seq
        return
      }
      this.#held = new Map()
      // The room as the timer's argument: no closure per room.
      this.#heldTimer = setTimeout(Room.#flushRoom, windowMs - quietFor, this)
    }
    for (const entry of entries) {
      // Re-inserted so the frame lists changes in the order they were made.
      this.#held.delete(entry.clientId)
      this.#held.set(entry.clientId, { entry, from })
    }
  }

  static #flushRoom(room: Room): void {
    room.#flush()
  }

  /** The window ended: one frame per receiver with every held change but its own. */
  #flush(): void {
    const held = this.#held
    this.#held = null
    this.#heldTimer = null
    if (held === null || held.size === 0) return
    this.#forwardedAt = performance.now()
    const seq = this.awareness.seq
    const changes = [...held.values()]
    const writers = new Set(changes.map((c) => c.from))
    const all = encodeAwarenessFrame(changes.map((c) => c.entry))
    for (const peer of this.#peers) {
      if (!writers.has(peer)) {
        peer.send(all)
        continue
      }
      const others = changes.filter((c) => c.from !== peer).map((c) => c.entry)
      if (others.length > 0) peer.send(encodeAwarenessFrame(others))
    }
    this.#sentSeq = seq
  }

  /** Frees the room (its last peer left): states kept for abrupt leavers go with it. */
  destroy(): void {
    if (this.#heldTimer !== null) clearTimeout(this.#heldTimer)
    this.#held = null
    this.#heldTimer = null
    for (const peer of this.#leaving.keys()) peer.released?.()
    this.#leaving.clear()
    this.document.destroy()
  }

  /** Releases what `peer` owns; one frame of removals (fresh clocks) to everyone else. */
  #release(peer: RoomPeer): void {
    const removed = this.awareness.release(peer)
    peer.released?.()
    if (removed.length > 0) {
      this.#forward(removed, peer)
      if (peer.remote !== true) {
        this.#hooks.onOwnedStates?.(
          this,
          removed.map((e) => this.#busState(e.clientId, NULL_STATE)),
        )
      }
      this.#hooks.onAwarenessChange?.(this)
    }
  }

  /** A state of this room as the bus carries it, with its claim. */
  #busState(clientId: number, json: string): BusState {
    const claim = this.awareness.claimOf(clientId)
    return {
      clientId,
      json,
      subject: claim?.subject ?? '',
      claimedAt: claim?.claimedAt ?? 0,
    }
  }

  /** About what an awareness frame of every live state weighs, without encoding it. */
  #snapshotBytes(): number {
    let bytes = 4
    for (const json of this.awareness.liveStates()) bytes += json.length + 16
    return bytes
  }

  /**
   * A reply signal: the relay appends the entry, naming the sender from its token and its
   * tab from the client ID it owns. At most REPLY_SIGNAL_BURST at once and one per second
   * after that per agent (subject-budgets.ts); more are dropped (a flood).
   */
  #receiveSignal(peer: RoomPeer, kind: SignalKind): void {
    if (this.#hooks.clientStates === false) {
      throw new RelayError(RelayErrorCode.ReadOnly, 'signals are not taken in a mailbox room')
    }
    if (kind !== SignalKind.ReplySent) return
    const clientId = this.awareness.firstLiveOwned(peer)
    if (clientId === null) {
      throw new RelayError(
        RelayErrorCode.SignalWithoutState,
        'a reply signal needs a presence state in the room',
      )
    }
    if (!this.#budgets.of(peer.subject).signal()) return
    const { sub, name, avatar } = peer.claims
    const entry = this.document.appendReply(
      avatar === undefined
        ? { userId: sub, name, clientId }
        : { userId: sub, name, avatar, clientId },
    )
    this.#hooks.onReply?.(this, JSON.stringify(entry))
  }

  #receiveAwareness(peer: RoomPeer, entries: readonly ParsedEntry[]): ReceiveResult {
    // Every entry in a room of relay-owned states is an attempt to write someone else's.
    if (this.#hooks.clientStates === false) {
      peer.debug?.({ entries: entries.length, why: 'mailbox rooms are read-only' }, 'state dropped')
      return { forged: entries.length }
    }
    // What is forwarded is what was validated: one entry per client ID and frame (a
    // y-protocols update never repeats one; the last-wins reading of 600 copies is not
    // something to check once and forward 600 times). A tab's own update has one entry:
    // nothing to look for, nothing allocated.
    if (entries.length > 1 && new Set(entries.map((e) => e.clientId)).size < entries.length) {
      throw new RelayError(
        RelayErrorCode.BadFrame,
        'malformed frame: client ID twice in one update',
      )
    }
    let forged = 0
    const writes: { clientId: number; json: string; activity: string | null; since: number }[] = []
    let introduced: Set<number> | undefined
    /** The writer's own entries whose `since` the relay changed: it must learn the value. */
    let corrected: AwarenessEntry[] | undefined
    let stateBytes = 0
    for (const entry of entries) {
      if (Buffer.byteLength(entry.json) > this.#limits.maxStateBytes) {
        throw new RelayError(RelayErrorCode.StateTooLarge, 'awareness state too large')
      }
      const verdict = this.awareness.classify(peer, entry)
      if (verdict === 'taken') {
        throw new RelayError(
          RelayErrorCode.ClientIdTaken,
          'awareness client ID claimed by another agent in this room',
        )
      }
      if (verdict === 'forged') {
        forged++
        peer.debug?.(
          { clientId: entry.clientId, why: 'client ID of another agent' },
          'state dropped',
        )
      }
      if (verdict !== 'write') continue
      let json = entry.json
      let activity: string | null = null
      let since = 0
      if (json !== NULL_STATE) {
        const check = checkIdentity(entry.value, peer.claims)
        if (!check.ok && check.reason === 'mismatch') {
          throw new RelayError(
            RelayErrorCode.IdentityMismatch,
            'awareness state names another user',
          )
        }
        if (check.ok) {
          // "Started replying first" is ordered by `since`: checked against the relay's clock.
          activity = check.state.activity
          since = this.awareness.sinceFor(entry.clientId, activity, check.state.since)
          // Forwarded as validated: the parsed value written out again, so each key once (the
          // last, as checked), no `__proto__`, and the relay's `since`.
          json = forwardedJson(entry.value, since)
          if (check.state.since !== since) {
            // With the writer's own clock: y-protocols ignores it (not newer than its own
            // state); the Sightline client reads the corrected `since` from it.
            corrected ??= []
            corrected.push({ clientId: entry.clientId, clock: entry.clock, json })
          }
          stateBytes += json.length
        } else {
          // Not a presence state (yet): never forwarded; it withdraws what its owner had set.
          json = NULL_STATE
          peer.debug?.(
            {
              clientId: entry.clientId,
              why: 'not a complete presence state (user, activity, away, since)',
            },
            'state dropped',
          )
        }
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
      writes.push({ clientId: entry.clientId, json, activity, since })
    }
    if (stateBytes > 0 && !this.#budgets.of(peer.subject).writeState(stateBytes)) {
      throw new RelayError(
        RelayErrorCode.SubjectRateLimited,
        "the agent's share of the room's state bytes is spent",
      )
    }
    if (writes.length > 0) {
      const out = writes.map((e) =>
        this.awareness.commit(peer, e.clientId, e.json, e.activity, e.since),
      )
      this.#forward(out, peer)
      if (corrected !== undefined) peer.send(encodeAwarenessFrame(corrected))
      this.#hooks.onOwnedStates?.(
        this,
        writes.map((w) => this.#busState(w.clientId, w.json)),
      )
      this.#hooks.onAwarenessChange?.(this)
    }
    return forged === 0 ? NOTHING_FORGED : { forged }
  }
}

/**
 * Whether the claim held here beats `incoming` for the same client ID: the earlier claim
 * wins, ties go to the smaller subject, so every node decides alike.
 */
export function claimWins(
  held: { readonly subject: string; readonly claimedAt: number },
  incoming: { readonly subject: string; readonly claimedAt: number },
): boolean {
  if (held.claimedAt !== incoming.claimedAt) return held.claimedAt < incoming.claimedAt
  return held.subject < incoming.subject
}

/**
 * Rooms of this many peers or more hold changes for the whole coalescing window; a smaller
 * room for a share that falls with the square of its size: a forward costs one write per
 * receiver, and how often changes collide within a window grows with the number of writers,
 * so what holding saves grows with both while its price (latency) does not. A room of 50
 * holds 50 ms (with the default window) and costs at most about 1,000 writes per second;
 * a room of 10 holds 2 ms, one of 5 holds 0.5 ms (in effect only what one event-loop turn
 * brings), so small rooms, the common case, forward at once.
 */
export const FULL_WINDOW_PEERS = 50

/** The window (ms) a room of `peers` holds changes for, `windowMs` being the configured one. */
export function coalesceWindowOf(windowMs: number, peers: number): number {
  const share = Math.min(peers, FULL_WINDOW_PEERS) / FULL_WINDOW_PEERS
  return windowMs * share * share
}

/** An awareness change waiting for the end of its room's coalescing window. */
interface HeldChange {
  readonly entry: AwarenessEntry
  /** Who wrote it (a peer, or a remote node's stand-in): it is not sent back there. */
  readonly from: unknown
}

/**
 * The JSON the relay forwards for a validated state `value` (as parsed: duplicate keys
 * already resolved to the last, which is what was checked) with `since` set: written out
 * again, never the sender's bytes, and without any `__proto__` key (a reader that builds
 * objects by assignment would take it for the prototype).
 */
export function forwardedJson(value: unknown, since: number): string {
  return JSON.stringify({ ...(value as Record<string, unknown>), since }, dropProto)
}

function dropProto(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value
}
