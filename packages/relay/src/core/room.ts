/**
 * One room: a small coordinator over the parts that each do one job.
 *
 * | concern | where |
 * |---|---|
 * | who is in the room, the removal grace | room-members.ts |
 * | the states, their clocks and owners | awareness-table.ts |
 * | admitting a peer's states: ownership, identity, `since`, limits | state-admission.ts |
 * | forwarding and the window of a busy room | forward-window.ts |
 * | each agent's budgets | subject-budgets.ts |
 * | other nodes' states (cluster mode) | remote-states.ts |
 * | the relay-written document (reply log) | room-document.ts |
 * | the refresh of states due | refresh-batch.ts |
 * | what happens after a change is committed | room-wiring.ts |
 *
 * A connection that is not reading (connection.ts) is held: the room gives it a `HoldMark`
 * and, when it reads again, one catch-up (`catchUp`) with what changed after the mark.
 */
import {
  type AwarenessEntry,
  type BusState,
  encodeAwarenessFrame,
  HEARTBEAT_FRAME,
  type SightlineClaims,
  SignalKind,
} from '@sightline/protocol'
import { DEFAULT_OPTIONS, type RelayOptions, removalGraceOf } from '../config/options.js'
import { RelayError, RelayErrorCode } from '../errors.js'
import { RefusalReason } from '../refusal.js'
import { AwarenessTable } from './awareness-table.js'
import { ForwardWindow } from './forward-window.js'
import { decodeFrame, type ParsedEntry } from './inbound-frame.js'
import { RefreshBatch } from './refresh-batch.js'
import { mergeRemote } from './remote-states.js'
import { isEmptyUpdate, RoomDocument } from './room-document.js'
import { RoomMembers } from './room-members.js'
import { type RoomWiring, UNWIRED } from './room-wiring.js'
import { admitStates, type StateWriter } from './state-admission.js'
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
export interface RoomPeer extends StateWriter {
  readonly id: string
  readonly claims: PeerClaims
  send(frame: Uint8Array): void
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

/**
 * An owner of states that is not a connection and sends nothing: the relay itself (mailbox
 * summaries) or, `remote`, another relay node's tabs (cluster mode). It has no subject of its
 * own (each state's claim carries the agent's) and never expires.
 */
export function standInOwner(id: string, name: string, remote: boolean): RoomPeer {
  const claims = Object.freeze({ sub: '', name, exp: Number.POSITIVE_INFINITY })
  return Object.freeze({ id, subject: '', remote, claims, send() {} })
}

/** The result of handling one inbound frame. */
export interface ReceiveResult {
  /** Entries for client IDs owned by another connection that were not mere echoes. */
  readonly forged: number
}

const NOTHING_FORGED: ReceiveResult = Object.freeze({ forged: 0 })

/**
 * Where a held reader stopped (see `Room.markHold`): the room's change number and document
 * version it had been sent, and the client IDs live then (a removal of one whose record has
 * been dropped meanwhile is still owed).
 */
export interface HoldMark {
  readonly seq: number
  readonly docVersion: number
  readonly knownLive: ReadonlySet<number>
}

export class Room {
  readonly name: string
  readonly document: RoomDocument
  readonly awareness = new AwarenessTable<RoomPeer>()
  readonly #members: RoomMembers<RoomPeer>
  readonly #window: ForwardWindow<RoomPeer>
  readonly #limits: RoomLimits
  /** Each agent's budgets in this room, shared by its connections (subject-budgets.ts). */
  readonly #budgets: SubjectBudgets
  readonly #wiring: RoomWiring<Room>
  /** Rises with every change of the document sent to the room. */
  #docVersion = 0

  constructor(
    name: string,
    limits: RoomLimits = DEFAULT_OPTIONS,
    wiring: RoomWiring<Room> = UNWIRED,
  ) {
    this.name = name
    this.#limits = limits
    this.#wiring = wiring
    this.#members = new RoomMembers(removalGraceOf(limits))
    this.#window = new ForwardWindow(
      this.#members.peers,
      limits.coalesceWindowMs,
      () => this.awareness.seq,
    )
    this.#budgets = new SubjectBudgets(limits)
    // Relay-written changes go to every peer, the one whose signal caused them included.
    this.document = new RoomDocument((frame) => {
      // Counted after the sends: a peer held during them has not had this change.
      this.#window.broadcast(frame, null)
      this.#docVersion++
    })
  }

  /** Peers connected. */
  get size(): number {
    return this.#members.peers.size
  }

  /** Peers connected plus abrupt leavers whose states are still kept (what the room costs). */
  get occupants(): number {
    return this.#members.occupants
  }

  /**
   * Called once the room has no peer and no state kept for an abrupt leaver, after the last
   * such state was released by the sweep (the registry frees the room then).
   */
  onIdle: (() => void) | undefined

  /**
   * No peer, no abrupt leaver's state waiting for its grace, and no live state of another
   * node's tab: the room may be freed.
   */
  get idle(): boolean {
    return this.#members.empty && !this.awareness.hasLiveRemote()
  }

  /**
   * Adds `peer` and sends it the document (sync step 2) and every current state. No sync
   * step 1: the relay wants nothing of a client's document.
   */
  join(peer: RoomPeer): void {
    this.#members.join(peer)
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
   * Removes `peer` and tells everyone else, in one frame, that its states are gone.
   * `abrupt`: its socket closed without it nulling its states first; then its states stay
   * for the removal grace (room-members.ts) and the sweep releases them (`releaseDue`).
   */
  leave(peer: RoomPeer, abrupt = false): void {
    const outcome = this.#members.leave(peer, abrupt, this.awareness.ownsLive(peer))
    if (outcome === 'absent') return
    this.#budgets.leave(peer.subject)
    if (outcome === 'release') this.#release(peer)
  }

  /** Removes, for everyone, the states of peers that left abruptly once their grace is over. */
  releaseDue(now: number): void {
    const due = this.#members.takeDue(now)
    if (due.length === 0) return
    for (const peer of due) this.#release(peer)
    if (this.idle) this.onIdle?.()
  }

  /**
   * `peer` stops being sent anything (it is not reading): what it has been sent so far, to
   * catch it up from (`catchUp`) when it reads again.
   */
  markHold(): HoldMark {
    return {
      seq: this.#window.sentSeq,
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
   * Applies states of another node's tabs (cluster mode), owned here by `owner`, which stands
   * for that node (remote-states.ts): the changes go to every peer here in one frame.
   */
  applyRemote(owner: RoomPeer, states: readonly BusState[]): void {
    const { changes, reassert, evicted } = mergeRemote(this.awareness, owner, states)
    if (reassert !== undefined) this.#wiring.bus?.ownStates(this, reassert)
    if (changes.length > 0) this.#committed(changes, owner, null)
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
    for (const peer of this.#members.peers) {
      const frame = batch.frameFor(peer)
      if (frame !== null) peer.send(frame)
    }
    // Cluster mode: own tabs' states go on the bus again, healing a change the bus lost.
    const bus = this.#wiring.bus
    if (bus === null) return
    const own: BusState[] = []
    for (const [owner, entries] of due) {
      if (owner.remote === true) continue
      for (const e of entries) own.push(this.#busState(e.clientId, e.json))
    }
    if (own.length > 0) bus.ownStates(this, own)
  }

  /** Sends the same bytes to every connection except `except`. */
  broadcast(frame: Uint8Array, except: unknown): void {
    this.#window.broadcast(frame, except)
  }

  /** Frees the room (its last peer left): states kept for abrupt leavers go with it. */
  destroy(): void {
    this.#window.stop()
    for (const peer of this.#members.takeAllLeaving()) peer.released?.()
    this.document.destroy()
  }

  /**
   * The one place a committed change of the room's states goes on (room-wiring.ts): forwarded
   * to the peers but `from`; then, for a change of this node's own tabs (`own`: their client
   * IDs and JSON), to the bus; then to the summaries.
   */
  #committed(
    changes: readonly AwarenessEntry[],
    from: RoomPeer,
    own: readonly { readonly clientId: number; readonly json: string }[] | null,
  ): void {
    this.#window.forward(changes, from)
    const bus = this.#wiring.bus
    if (bus !== null && own !== null && own.length > 0) {
      bus.ownStates(
        this,
        own.map((s) => this.#busState(s.clientId, s.json)),
      )
    }
    this.#wiring.summaries?.statesChanged(this)
  }

  /** Releases what `peer` owns; one frame of removals (fresh clocks) to everyone else. */
  #release(peer: RoomPeer): void {
    const removed = this.awareness.release(peer)
    peer.released?.()
    if (removed.length > 0) this.#committed(removed, peer, peer.remote === true ? null : removed)
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
    if (!this.#wiring.clientStates) {
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
    this.#wiring.bus?.reply(this, JSON.stringify(entry))
  }

  /** An awareness frame from a peer: admitted (state-admission.ts), charged, committed. */
  #receiveAwareness(peer: RoomPeer, entries: readonly ParsedEntry[]): ReceiveResult {
    // Every entry in a room of relay-owned states is an attempt to write someone else's.
    if (!this.#wiring.clientStates) {
      peer.debug?.({ entries: entries.length, why: 'mailbox rooms are read-only' }, 'state dropped')
      return { forged: entries.length }
    }
    const { writes, corrected, forged, stateBytes } = admitStates(
      this.awareness,
      peer,
      entries,
      this.#limits,
    )
    if (stateBytes > 0 && !this.#budgets.of(peer.subject).writeState(stateBytes)) {
      throw new RelayError(
        RelayErrorCode.SubjectRateLimited,
        "the agent's share of the room's state bytes is spent",
      )
    }
    if (writes.length > 0) {
      const changes = writes.map((w) =>
        this.awareness.commit(peer, w.clientId, w.json, w.activity, w.since),
      )
      this.#committed(changes, peer, writes)
      if (corrected !== undefined) peer.send(encodeAwarenessFrame(corrected))
    }
    return forged === 0 ? NOTHING_FORGED : { forged }
  }
}
