/**
 * The awareness states of one room, as the relay sees them. The relay owns the clocks it
 * forwards: every state it sends carries a relay clock `max(previous + 1, Date.now())`, so
 * clocks rise for each client ID, also across relay restarts, and receivers never ignore a
 * live peer because its tab re-announced with an old clock (y-websocket#122).
 *
 * Ownership (docs/architecture.md, "Ownership and identity"): a client ID belongs to the agent
 * (token subject) that first claimed it in the room, for the room's lifetime. The connection
 * that wrote its first non-null state holds it; when that connection goes, the record stays,
 * released (json "null", no owner) but still claimed by its agent, so another agent cannot
 * take it over while the tab reconnects. Released records are bounded: at most
 * `MAX_RELEASED_PER_SUBJECT` per agent and `MAX_RELEASED_PER_ROOM` in all, oldest first.
 *
 * Every change takes the next number of the room's sequence (`seq`): a reader the room stopped
 * sending to (not reading) catches up with what changed after the number it was held at.
 */
import { type AwarenessEntry, sinceToForward } from '@sightline/protocol'

/**
 * Who may own a client ID: a connection, identified by its token subject; or a stand-in for
 * another relay node's tabs (`remote`), whose records carry their own subject.
 */
export interface AwarenessOwner {
  readonly subject: string
  readonly remote?: boolean
}

interface AwarenessRecord<O> {
  /** The last relay clock handed out for this client ID. */
  clock: number
  /** The first relay clock handed out for it: clocks in [firstClock, clock] came from us. */
  readonly firstClock: number
  /** The state's JSON as forwarded; "null" once removed. */
  json: string
  owner: O | null
  /** When (monotonic ms) the state was last forwarded to the whole room. */
  lastSentAt: number
  /** In [0, 1), drawn whenever the state is forwarded: how early its next refresh comes. */
  jitter: number
  /** The agent that claimed the client ID (only it may write under it). */
  subject: string
  /** When (wall-clock ms) that agent first claimed it, here or on another node. */
  claimedAt: number
  /** The live state's activity (null while removed), for stamping `since`. */
  activity: string | null
  /** The `since` the relay stamped on the live state (relay wall clock, ms). */
  since: number
  /** The room sequence number of the record's last change. */
  seq: number
}

/** What the table tells about one record (read-only). */
export interface ClaimView {
  readonly subject: string
  readonly claimedAt: number
  readonly json: string
  readonly live: boolean
  readonly remote: boolean
  readonly local: boolean
}

/**
 * A state is refreshed up to this fraction of the refresh interval early, drawn per state
 * each time it is forwarded, so refreshes that bunched up (every tab reconnecting after a
 * relay restart) spread out over the following sweeps instead of recurring in one burst.
 */
export const REFRESH_JITTER = 0.1

/**
 * When one state of a room is due, every state at least this fraction of the interval old
 * goes along in the same refresh: a room's states stay in step, so an idle room costs each
 * receiver about one refresh frame per interval rather than one per peer.
 */
export const REFRESH_ALIGN = 0.5

/**
 * Released client IDs kept per agent per room: more than the tabs one agent keeps in one
 * conversation, so every tab of a reconnecting agent finds its ID still claimed. An agent
 * churning fresh IDs only pushes out its own oldest records.
 */
export const MAX_RELEASED_PER_SUBJECT = 32

/** Released client IDs kept per room in all (oldest dropped first). */
export const MAX_RELEASED_PER_ROOM = 2048

/**
 * What to do with one inbound entry:
 * - `write`: the writer owns (or may take) this client ID; forward after checking identity;
 * - `echo`: a copy of what the relay sent, or a no-op; drop silently;
 * - `forged`: a removal under a client ID of another agent; drop and count;
 * - `taken`: a state under a client ID another agent claimed first: refuse (4409).
 */
export type EntryVerdict = 'write' | 'echo' | 'forged' | 'taken'

export const NULL_STATE = 'null'

export interface AwarenessClock {
  /** Wall clock in ms (relay clocks are based on it). */
  wall(): number
  /** Monotonic ms (refresh timing). */
  mono(): number
}

const systemClock: AwarenessClock = { wall: () => Date.now(), mono: () => performance.now() }

export class AwarenessTable<O extends AwarenessOwner> {
  readonly #records = new Map<number, AwarenessRecord<O>>()
  /** Client IDs with a live (non-null) state. */
  readonly #live = new Set<number>()
  /**
   * No live owned state was forwarded before this (monotonic ms): a lower bound, exact after
   * each `takeDue` scan, so the sweep skips a room none of whose states can be due yet.
   */
  #oldestSentAt = Number.POSITIVE_INFINITY
  /** The client IDs each owner holds (live or null), in claim order. */
  readonly #byOwner = new Map<O, Set<number>>()
  /** Released client IDs, oldest release first, in all and per agent. */
  readonly #released = new Set<number>()
  readonly #releasedBySubject = new Map<string, Set<number>>()
  readonly #clock: AwarenessClock
  #seq = 0

  constructor(clock: AwarenessClock = systemClock) {
    this.#clock = clock
  }

  /** The sequence number of the room's last change. */
  get seq(): number {
    return this.#seq
  }

  /** Decides how an entry written by `writer` is handled (see EntryVerdict). */
  classify(writer: O, entry: AwarenessEntry): EntryVerdict {
    const r = this.#records.get(entry.clientId)
    const isNull = entry.json === NULL_STATE
    if (r === undefined) return isNull ? 'echo' : 'write'
    if (r.owner === writer) return isNull && r.json === NULL_STATE ? 'echo' : 'write'
    // A replay of what we sent, whoever sends it (stock providers echo, yjs/yjs#732).
    if (entry.clock >= r.firstClock && entry.clock <= r.clock) return 'echo'
    // The agent that claimed it takes it over: a reconnecting tab, or one that moved nodes.
    if (r.subject === writer.subject) return isNull && r.json === NULL_STATE ? 'echo' : 'write'
    // Not an echo by its clock: a tab re-announcing after a restart uses its own small clocks.
    if (entry.json === r.json) return 'echo'
    if (isNull) return r.json === NULL_STATE ? 'echo' : 'forged'
    return 'taken'
  }

  /**
   * The `since` to forward for a state of `clientId` in `activity` that claims `claimed`: the
   * rule is `@sightline/protocol` since.ts (a client cannot move it while its activity stays,
   * nor put itself first by more than the tolerance).
   */
  sinceFor(clientId: number, activity: string, claimed: number): number {
    const r = this.#records.get(clientId)
    const live = r !== undefined && r.json !== NULL_STATE && r.activity !== null
    const previous = live ? { activity: r.activity as string, since: r.since } : null
    return sinceToForward(previous, activity, claimed, this.#clock.wall())
  }

  /**
   * Records `json` for `clientId`, owned by `owner`, and returns it with a fresh relay clock.
   * `activity` and `since` are what `json` holds (null and 0 for a removal or a non-presence
   * state), kept for `sinceFor`; `subject` is the agent whose tab writes it and `claimedAt`
   * when that agent claimed the ID (default: kept, or now for a first claim).
   */
  commit(
    owner: O,
    clientId: number,
    json: string,
    activity: string | null = null,
    since = 0,
    subject: string = owner.subject,
    claimedAt?: number,
  ): AwarenessEntry {
    const r = this.#records.get(clientId)
    const now = this.#clock.mono()
    const seq = ++this.#seq
    if (r === undefined) {
      const clock = this.#clock.wall()
      this.#records.set(clientId, {
        clock,
        firstClock: clock,
        json,
        owner,
        lastSentAt: now,
        jitter: Math.random(),
        subject,
        claimedAt: claimedAt ?? clock,
        activity,
        since,
        seq,
      })
      this.#own(owner, clientId)
      this.#setLive(clientId, json)
      this.#oldestSentAt = Math.min(this.#oldestSentAt, now)
      return { clientId, clock, json }
    }
    if (r.owner !== owner) {
      if (r.owner === null) this.#unrelease(clientId, r.subject)
      else this.#disown(r.owner, clientId)
      this.#own(owner, clientId)
    }
    if (r.subject !== subject) {
      r.subject = subject
      r.claimedAt = claimedAt ?? this.#clock.wall()
    } else if (claimedAt !== undefined) {
      r.claimedAt = claimedAt
    }
    r.clock = this.#next(r)
    r.json = json
    r.owner = owner
    r.lastSentAt = now
    r.jitter = Math.random()
    r.activity = activity
    r.since = since
    r.seq = seq
    this.#setLive(clientId, json)
    this.#oldestSentAt = Math.min(this.#oldestSentAt, now)
    return { clientId, clock: r.clock, json }
  }

  /**
   * Releases every client ID `owner` owns and returns removals (fresh clocks) for those that
   * were live: what the others must receive, in one frame, when that connection goes away.
   * The records stay, claimed by their agent (see the file header).
   */
  release(owner: O): AwarenessEntry[] {
    const removed: AwarenessEntry[] = []
    const ids = this.#byOwner.get(owner)
    if (ids === undefined) return removed
    this.#byOwner.delete(owner)
    for (const clientId of ids) {
      const r = this.#records.get(clientId)
      if (r === undefined) continue
      r.owner = null
      const removal = this.#removeState(clientId, r)
      if (removal !== null) removed.push(removal)
      this.#addReleased(clientId, r.subject)
    }
    return removed
  }

  /**
   * Hands `clientId` to the claim of `subject` made at `claimedAt` on another node, which won
   * over the claim held here: the record is released under that claim (its state removed for
   * the room, returned as a removal when it was live). Returns the owner it was taken from.
   */
  cede(
    clientId: number,
    subject: string,
    claimedAt: number,
  ): {
    from: O | null
    removal: AwarenessEntry | null
  } {
    const r = this.#records.get(clientId)
    if (r === undefined) return { from: null, removal: null }
    const from = r.owner
    if (from !== null) this.#disown(from, clientId)
    else this.#unrelease(clientId, r.subject)
    r.owner = null
    r.subject = subject
    r.claimedAt = claimedAt
    const removal = this.#removeState(clientId, r)
    this.#addReleased(clientId, subject)
    return { from, removal }
  }

  /** What is known of `clientId`'s claim, or undefined. */
  claimOf(clientId: number): ClaimView | undefined {
    const r = this.#records.get(clientId)
    if (r === undefined) return undefined
    return {
      subject: r.subject,
      claimedAt: r.claimedAt,
      json: r.json,
      live: r.json !== NULL_STATE,
      remote: r.owner?.remote === true,
      local: r.owner !== null && r.owner.remote !== true,
    }
  }

  /**
   * Every live state with a fresh relay clock, for one connection that needs them all (a
   * newcomer, or a query-awareness). Fresh clocks matter: a stock provider that reconnects
   * keeps the clocks it saw and would ignore states that do not rise above them.
   */
  snapshot(): AwarenessEntry[] {
    const states: AwarenessEntry[] = []
    for (const clientId of this.#live) {
      const r = this.#records.get(clientId) as AwarenessRecord<O>
      r.clock = this.#next(r)
      states.push({ clientId, clock: r.clock, json: r.json })
    }
    return states
  }

  /**
   * What changed after sequence number `seq`, for a reader held since then (latest state per
   * client ID, removals as null, at the clocks last handed out), except what `reader` owns;
   * plus a removal for each of `knownLive` (the IDs live when it was held) whose record has
   * been dropped since.
   */
  changedSince(seq: number, reader: O, knownLive: ReadonlySet<number>): AwarenessEntry[] {
    const out: AwarenessEntry[] = []
    for (const [clientId, r] of this.#records) {
      if (r.seq > seq && r.owner !== reader) out.push({ clientId, clock: r.clock, json: r.json })
    }
    const wall = this.#clock.wall()
    for (const clientId of knownLive) {
      if (!this.#records.has(clientId)) out.push({ clientId, clock: wall, json: NULL_STATE })
    }
    return out
  }

  /** The client IDs with a live state now (a copy). */
  liveIds(): Set<number> {
    return new Set(this.#live)
  }

  /**
   * The live states due for a refresh, with fresh relay clocks, grouped by owner (an owner
   * must not receive its own state back); marks them as just forwarded. Nothing is due until
   * one state has gone unforwarded for `refreshIntervalMs` (less its jitter, REFRESH_JITTER);
   * then every state older than REFRESH_ALIGN of the interval goes too. No state waits longer
   * than `refreshIntervalMs`.
   */
  takeDue(refreshIntervalMs: number): Map<O, AwarenessEntry[]> {
    const now = this.#clock.mono()
    const due = new Map<O, AwarenessEntry[]>()
    // Nothing can be due before the oldest state is its interval less the most jitter old.
    if (now - this.#oldestSentAt < refreshIntervalMs * (1 - REFRESH_JITTER)) return due
    let any = false
    let oldest = Number.POSITIVE_INFINITY
    for (const clientId of this.#live) {
      const r = this.#records.get(clientId) as AwarenessRecord<O>
      if (r.owner === null) continue
      oldest = Math.min(oldest, r.lastSentAt)
      if (now - r.lastSentAt >= refreshIntervalMs * (1 - REFRESH_JITTER * r.jitter)) {
        any = true
        break
      }
    }
    if (!any) {
      this.#oldestSentAt = oldest
      return due
    }
    const early = refreshIntervalMs * REFRESH_ALIGN
    oldest = Number.POSITIVE_INFINITY
    for (const clientId of this.#live) {
      const r = this.#records.get(clientId) as AwarenessRecord<O>
      if (r.owner === null) continue
      if (now - r.lastSentAt >= early) {
        r.clock = this.#next(r)
        r.lastSentAt = now
        r.jitter = Math.random()
        const list = due.get(r.owner) ?? []
        list.push({ clientId, clock: r.clock, json: r.json })
        due.set(r.owner, list)
      }
      oldest = Math.min(oldest, r.lastSentAt)
    }
    this.#oldestSentAt = oldest
    return due
  }

  /** Whether a stand-in for another node holds a live state here (cluster mode). */
  hasLiveRemote(): boolean {
    for (const clientId of this.#live) {
      if (this.#records.get(clientId)?.owner?.remote === true) return true
    }
    return false
  }

  /** Client ID, JSON and claim of every live state whose owner passes `keep`. */
  liveEntries(
    keep: (owner: O) => boolean,
  ): { clientId: number; json: string; subject: string; claimedAt: number }[] {
    const out: { clientId: number; json: string; subject: string; claimedAt: number }[] = []
    for (const clientId of this.#live) {
      const r = this.#records.get(clientId) as AwarenessRecord<O>
      if (r.owner !== null && keep(r.owner)) {
        out.push({ clientId, json: r.json, subject: r.subject, claimedAt: r.claimedAt })
      }
    }
    return out
  }

  /** Number of live (non-null) states. */
  get liveCount(): number {
    return this.#live.size
  }

  /** Number of records kept (live, owned but null, and released). */
  get recordCount(): number {
    return this.#records.size
  }

  /** The JSON of every live state (read-only: clocks are not touched). */
  *liveStates(): IterableIterator<string> {
    for (const clientId of this.#live)
      yield (this.#records.get(clientId) as AwarenessRecord<O>).json
  }

  /** Whether `owner` already holds exactly this live state for `clientId`. */
  holds(owner: O, clientId: number, json: string): boolean {
    const r = this.#records.get(clientId)
    return r !== undefined && r.owner === owner && r.json === json && json !== NULL_STATE
  }

  /** Whether `clientId` has a live (non-null) state. */
  isLive(clientId: number): boolean {
    return this.#live.has(clientId)
  }

  /** Whether `owner` holds a live state: whether releasing it would remove anything. */
  ownsLive(owner: O): boolean {
    return this.firstLiveOwned(owner) !== null
  }

  /** The first client ID `owner` holds with a live state (its tab, for signals), or null. */
  firstLiveOwned(owner: O): number | null {
    const ids = this.#byOwner.get(owner)
    if (ids === undefined) return null
    for (const clientId of ids) if (this.#live.has(clientId)) return clientId
    return null
  }

  /** How many client IDs `owner` holds, live or null. */
  ownedCount(owner: O): number {
    return this.#byOwner.get(owner)?.size ?? 0
  }

  /** The owner of `clientId`, if any (for tests and logs). */
  ownerOf(clientId: number): O | null {
    return this.#records.get(clientId)?.owner ?? null
  }

  /** Turns a live state into a removal (a fresh clock, the next change number); null if none. */
  #removeState(clientId: number, r: AwarenessRecord<O>): AwarenessEntry | null {
    if (r.json === NULL_STATE) return null
    r.json = NULL_STATE
    r.activity = null
    r.clock = this.#next(r)
    r.seq = ++this.#seq
    this.#live.delete(clientId)
    return { clientId, clock: r.clock, json: NULL_STATE }
  }

  #setLive(clientId: number, json: string): void {
    if (json === NULL_STATE) this.#live.delete(clientId)
    else this.#live.add(clientId)
  }

  #own(owner: O, clientId: number): void {
    let ids = this.#byOwner.get(owner)
    if (ids === undefined) {
      ids = new Set()
      this.#byOwner.set(owner, ids)
    }
    ids.add(clientId)
  }

  #disown(owner: O, clientId: number): void {
    const ids = this.#byOwner.get(owner)
    if (ids === undefined) return
    ids.delete(clientId)
    if (ids.size === 0) this.#byOwner.delete(owner)
  }

  /** Keeps `clientId` as released under `subject`, dropping the oldest beyond the bounds. */
  #addReleased(clientId: number, subject: string): void {
    this.#released.add(clientId)
    let mine = this.#releasedBySubject.get(subject)
    if (mine === undefined) {
      mine = new Set()
      this.#releasedBySubject.set(subject, mine)
    }
    mine.add(clientId)
    if (mine.size > MAX_RELEASED_PER_SUBJECT) this.#drop(first(mine))
    if (this.#released.size > MAX_RELEASED_PER_ROOM) this.#drop(first(this.#released))
  }

  #unrelease(clientId: number, subject: string): void {
    this.#released.delete(clientId)
    const mine = this.#releasedBySubject.get(subject)
    if (mine === undefined) return
    mine.delete(clientId)
    if (mine.size === 0) this.#releasedBySubject.delete(subject)
  }

  /** Forgets a released record for good. */
  #drop(clientId: number): void {
    const r = this.#records.get(clientId)
    if (r === undefined || r.owner !== null) return
    this.#unrelease(clientId, r.subject)
    this.#records.delete(clientId)
  }

  #next(r: AwarenessRecord<O>): number {
    return Math.max(r.clock + 1, this.#clock.wall())
  }
}

function first(ids: Set<number>): number {
  return ids.values().next().value as number
}
