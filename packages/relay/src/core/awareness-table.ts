/**
 * The awareness states of one room, as the relay sees them. The relay owns the clocks it
 * forwards: every state it sends carries a relay clock `max(previous + 1, Date.now())`, so
 * clocks rise for each client ID, also across relay restarts, and receivers never ignore a
 * live peer because its tab re-announced with an old clock (y-websocket#122).
 *
 * Ownership: a connection introduces a client ID with its first non-null state and owns it
 * from then on, also while it is null (the reference server forgets that case and leaves a
 * ghost). Releasing an owner turns its live states into removals. A removed client ID stays
 * as a tombstone (json "null", no owner) so its clock keeps rising until the room is freed.
 */
import type { AwarenessEntry } from '@sightline/protocol'

/**
 * Who may own a client ID: a connection, identified for takeovers by its token subject; or a
 * stand-in for another relay node's tabs (`remote`), whose records carry their own subject.
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
  /** The state's JSON text exactly as its owner wrote it; "null" once removed. */
  json: string
  owner: O | null
  /** When (monotonic ms) the state was last forwarded to the whole room. */
  lastSentAt: number
  /** In [0, 1), drawn whenever the state is forwarded: how early its next refresh comes. */
  jitter: number
  /** The agent whose tab writes it (for takeovers by another connection of the same agent). */
  subject: string
  /** The live state's activity (null while removed), for stamping `since`. */
  activity: string | null
  /** The `since` the relay stamped on the live state (relay wall clock, ms). */
  since: number
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
 * What to do with one inbound entry:
 * - `write`: the writer owns (or may take) this client ID; forward after checking identity;
 * - `echo`: a copy of what the relay sent, or a no-op; drop silently;
 * - `forged`: an attempt to write a client ID owned by another connection; drop and count.
 */
export type EntryVerdict = 'write' | 'echo' | 'forged'

export const NULL_STATE = 'null'

/**
 * How far (ms) a tab's `since` may lie from the relay's clock when its activity changes and
 * still be forwarded as it is; beyond, the relay stamps its own clock. About the clock skew
 * of machines kept by NTP, well below how fast a person reacts to "Bob started replying".
 */
export const SINCE_TOLERANCE_MS = 2000

export interface AwarenessClock {
  /** Wall clock in ms (relay clocks are based on it). */
  wall(): number
  /** Monotonic ms (refresh timing). */
  mono(): number
}

const systemClock: AwarenessClock = { wall: () => Date.now(), mono: () => performance.now() }

export class AwarenessTable<O extends AwarenessOwner> {
  readonly #records = new Map<number, AwarenessRecord<O>>()
  /** How many client IDs each owner holds (live or null), for the per-connection limit. */
  readonly #owned = new Map<O, number>()
  readonly #clock: AwarenessClock

  constructor(clock: AwarenessClock = systemClock) {
    this.#clock = clock
  }

  /** Decides how an entry written by `writer` is handled (see EntryVerdict). */
  classify(writer: O, entry: AwarenessEntry): EntryVerdict {
    const r = this.#records.get(entry.clientId)
    const isNull = entry.json === NULL_STATE
    if (r === undefined) return isNull ? 'echo' : 'write'
    if (r.owner === writer) return isNull && r.json === NULL_STATE ? 'echo' : 'write'
    const issued = entry.clock >= r.firstClock && entry.clock <= r.clock
    // A released client ID may be claimed again, but not by replaying what we sent.
    if (r.owner === null) return issued || isNull ? 'echo' : 'write'
    // A reconnecting tab takes its client ID over from its own, not yet reaped connection
    // (or from the node it was on before, in cluster mode).
    if (r.subject === writer.subject && !issued) return 'write'
    // Stock y-websocket providers re-send entries they received (yjs/yjs#732).
    if (entry.clock <= r.clock || entry.json === r.json) return 'echo'
    return 'forged'
  }

  /**
   * The `since` to forward for a state of `clientId` in `activity` that claims `claimed`:
   * while the activity stays the same, the one already forwarded (a client cannot move it);
   * on a change, the claim if it is within SINCE_TOLERANCE_MS of the relay's clock, else the
   * relay's clock. So a tab cannot put itself first ("started replying" at 0) by more than
   * the tolerance, and tabs with sane clocks keep the exact value they compare themselves by.
   */
  sinceFor(clientId: number, activity: string, claimed: number): number {
    const r = this.#records.get(clientId)
    if (r !== undefined && r.json !== NULL_STATE && r.activity === activity) return r.since
    const now = this.#clock.wall()
    return Math.abs(claimed - now) <= SINCE_TOLERANCE_MS ? claimed : now
  }

  /**
   * Records `json` for `clientId`, owned by `owner`, and returns it with a fresh relay clock.
   * `activity` and `since` are what `json` holds (null and 0 for a removal or a non-presence
   * state), kept for `sinceFor`; `subject` is the agent whose tab writes it.
   */
  commit(
    owner: O,
    clientId: number,
    json: string,
    activity: string | null = null,
    since = 0,
    subject: string = owner.subject,
  ): AwarenessEntry {
    const r = this.#records.get(clientId)
    const now = this.#clock.mono()
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
        activity,
        since,
      })
      this.#count(owner, 1)
      return { clientId, clock, json }
    }
    if (r.owner !== owner) {
      if (r.owner !== null) this.#count(r.owner, -1)
      this.#count(owner, 1)
    }
    r.clock = this.#next(r)
    r.json = json
    r.owner = owner
    r.lastSentAt = now
    r.jitter = Math.random()
    r.subject = subject
    r.activity = activity
    r.since = since
    return { clientId, clock: r.clock, json }
  }

  /**
   * Releases every client ID `owner` owns and returns removals (fresh clocks) for those that
   * were live: what the others must receive, in one frame, when that connection goes away.
   */
  release(owner: O): AwarenessEntry[] {
    const removed: AwarenessEntry[] = []
    this.#owned.delete(owner)
    for (const [clientId, r] of this.#records) {
      if (r.owner !== owner) continue
      r.owner = null
      if (r.json === NULL_STATE) continue
      r.json = NULL_STATE
      r.activity = null
      r.clock = this.#next(r)
      removed.push({ clientId, clock: r.clock, json: NULL_STATE })
    }
    return removed
  }

  /**
   * Every live state with a fresh relay clock, for one connection that needs them all (a
   * newcomer, or a query-awareness). Fresh clocks matter: a stock provider that reconnects
   * keeps the clocks it saw and would ignore states that do not rise above them.
   */
  snapshot(): AwarenessEntry[] {
    const states: AwarenessEntry[] = []
    for (const [clientId, r] of this.#records) {
      if (r.json === NULL_STATE) continue
      r.clock = this.#next(r)
      states.push({ clientId, clock: r.clock, json: r.json })
    }
    return states
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
    let any = false
    for (const r of this.#records.values()) {
      if (r.json === NULL_STATE || r.owner === null) continue
      if (now - r.lastSentAt >= refreshIntervalMs * (1 - REFRESH_JITTER * r.jitter)) {
        any = true
        break
      }
    }
    if (!any) return due
    const early = refreshIntervalMs * REFRESH_ALIGN
    for (const [clientId, r] of this.#records) {
      if (r.json === NULL_STATE || r.owner === null || now - r.lastSentAt < early) continue
      r.clock = this.#next(r)
      r.lastSentAt = now
      r.jitter = Math.random()
      const list = due.get(r.owner) ?? []
      list.push({ clientId, clock: r.clock, json: r.json })
      due.set(r.owner, list)
    }
    return due
  }

  /** Whether a stand-in for another node holds a live state here (cluster mode). */
  hasLiveRemote(): boolean {
    for (const r of this.#records.values()) {
      if (r.owner !== null && r.owner.remote === true && r.json !== NULL_STATE) return true
    }
    return false
  }

  /** Client ID and JSON of every live state whose owner passes `keep`. */
  liveEntries(keep: (owner: O) => boolean): { clientId: number; json: string }[] {
    const out: { clientId: number; json: string }[] = []
    for (const [clientId, r] of this.#records) {
      if (r.owner !== null && r.json !== NULL_STATE && keep(r.owner))
        out.push({ clientId, json: r.json })
    }
    return out
  }

  /** Number of live (non-null) states. */
  get liveCount(): number {
    let n = 0
    for (const r of this.#records.values()) if (r.json !== NULL_STATE) n++
    return n
  }

  /** The JSON of every live state (read-only: clocks are not touched). */
  *liveStates(): IterableIterator<string> {
    for (const r of this.#records.values()) if (r.json !== NULL_STATE) yield r.json
  }

  /** Whether `owner` already holds exactly this live state for `clientId`. */
  holds(owner: O, clientId: number, json: string): boolean {
    const r = this.#records.get(clientId)
    return r !== undefined && r.owner === owner && r.json === json && json !== NULL_STATE
  }

  /** Whether `clientId` has a live (non-null) state. */
  isLive(clientId: number): boolean {
    const r = this.#records.get(clientId)
    return r !== undefined && r.json !== NULL_STATE
  }

  /** Whether `owner` holds a live state: whether releasing it would remove anything. */
  ownsLive(owner: O): boolean {
    if (!this.#owned.has(owner)) return false
    for (const r of this.#records.values()) {
      if (r.owner === owner && r.json !== NULL_STATE) return true
    }
    return false
  }

  /** The first client ID `owner` holds with a live state (its tab, for signals), or null. */
  firstLiveOwned(owner: O): number | null {
    if (!this.#owned.has(owner)) return null
    for (const [clientId, r] of this.#records) {
      if (r.owner === owner && r.json !== NULL_STATE) return clientId
    }
    return null
  }

  /** How many client IDs `owner` holds, live or null. */
  ownedCount(owner: O): number {
    return this.#owned.get(owner) ?? 0
  }

  /** The owner of `clientId`, if any (for tests and logs). */
  ownerOf(clientId: number): O | null {
    return this.#records.get(clientId)?.owner ?? null
  }

  #count(owner: O, delta: number): void {
    const n = (this.#owned.get(owner) ?? 0) + delta
    if (n > 0) this.#owned.set(owner, n)
    else this.#owned.delete(owner)
  }

  #next(r: AwarenessRecord<O>): number {
    return Math.max(r.clock + 1, this.#clock.wall())
  }
}
