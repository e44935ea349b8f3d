/**
 * Admission of the awareness states a peer writes: what of one inbound awareness frame may be
 * committed, with the rules each entry passes, in order:
 *
 * 1. one entry per client ID per frame (a y-protocols update never repeats one);
 * 2. at most `maxStateBytes` per state;
 * 3. ownership (AwarenessTable.classify): another agent's client ID is refused (4409), a
 *    removal under it is dropped and counted as forged, an echo is dropped;
 * 4. identity (identity.ts): a state naming another user is refused (1008); an incomplete one
 *    is never forwarded and withdraws what its writer had set;
 * 5. `since` (`@sightline/protocol` since.ts): within the tolerance of the relay's clock or
 *    replaced by it; the writer is told a value the relay changed;
 * 6. at most `maxClientIdsPerConnection` client IDs per connection.
 *
 * Nothing here commits or sends: the room does, after the agent's byte budget agreed
 * (room.ts). A refusal throws RelayError before anything of the frame was applied.
 */
import type { AwarenessEntry } from '@sightline/protocol'
import { RelayError, RelayErrorCode } from '../errors.js'
import { type AwarenessOwner, type AwarenessTable, NULL_STATE } from './awareness-table.js'
import { checkIdentity } from './identity.js'
import type { ParsedEntry } from './inbound-frame.js'

/** A writer as admission sees it: an owner with the claims of its token. */
export interface StateWriter extends AwarenessOwner {
  readonly claims: { readonly sub: string; readonly name: string; readonly avatar?: string }
  /** Logs at debug level why something it sent was dropped (never on the hot path otherwise). */
  debug?(fields: object, message: string): void
}

/** One state admitted for commit: its JSON as it will be forwarded. */
export interface AdmittedWrite {
  readonly clientId: number
  readonly json: string
  readonly activity: string | null
  readonly since: number
}

export interface Admission {
  readonly writes: readonly AdmittedWrite[]
  /** The writer's own entries whose `since` the relay changed (to send back to it). */
  readonly corrected: readonly AwarenessEntry[] | undefined
  /** Removals under another agent's client ID, dropped. */
  readonly forged: number
  /** Bytes of the states admitted (what the agent's budget is charged). */
  readonly stateBytes: number
}

export interface AdmissionLimits {
  readonly maxStateBytes: number
  readonly maxClientIdsPerConnection: number
}

/** Admits `entries` written by `writer` into `table`; throws RelayError on a refusal. */
export function admitStates<W extends StateWriter>(
  table: AwarenessTable<W>,
  writer: W,
  entries: readonly ParsedEntry[],
  limits: AdmissionLimits,
): Admission {
  checkDistinctIds(entries)
  let forged = 0
  const writes: AdmittedWrite[] = []
  let introduced: Set<number> | undefined
  let corrected: AwarenessEntry[] | undefined
  let stateBytes = 0
  for (const entry of entries) {
    if (Buffer.byteLength(entry.json) > limits.maxStateBytes) {
      throw new RelayError(RelayErrorCode.StateTooLarge, 'awareness state too large')
    }
    const verdict = table.classify(writer, entry)
    if (verdict === 'taken') {
      throw new RelayError(
        RelayErrorCode.ClientIdTaken,
        'awareness client ID claimed by another agent in this room',
      )
    }
    if (verdict === 'forged') {
      forged++
      writer.debug?.(
        { clientId: entry.clientId, why: 'client ID of another agent' },
        'state dropped',
      )
    }
    if (verdict !== 'write') continue
    const write = validated(table, writer, entry)
    if (write.json === NULL_STATE && !table.isLive(entry.clientId)) continue
    if (write.json !== NULL_STATE) stateBytes += write.json.length
    if (write.sinceChanged) {
      // With the writer's own clock: y-protocols ignores it (not newer than its own state);
      // the Sightline client reads the corrected `since` from it.
      corrected ??= []
      corrected.push({ clientId: entry.clientId, clock: entry.clock, json: write.json })
    }
    if (table.ownerOf(entry.clientId) !== writer) {
      introduced ??= new Set()
      introduced.add(entry.clientId)
      if (table.ownedCount(writer) + introduced.size > limits.maxClientIdsPerConnection) {
        throw new RelayError(RelayErrorCode.TooManyClientIds, 'too many awareness client IDs')
      }
    }
    writes.push(write)
  }
  return { writes, corrected, forged, stateBytes }
}

/**
 * What is forwarded is what was validated: one entry per client ID and frame (the last-wins
 * reading of 600 copies is not something to check once and forward 600 times). A tab's own
 * update has one entry: nothing to look for, nothing allocated.
 */
function checkDistinctIds(entries: readonly ParsedEntry[]): void {
  if (entries.length > 1 && new Set(entries.map((e) => e.clientId)).size < entries.length) {
    throw new RelayError(RelayErrorCode.BadFrame, 'malformed frame: client ID twice in one update')
  }
}

/** One entry the writer may write, checked against its token (identity) and the clock (`since`). */
function validated<W extends StateWriter>(
  table: AwarenessTable<W>,
  writer: W,
  entry: ParsedEntry,
): AdmittedWrite & { readonly sinceChanged: boolean } {
  const { clientId } = entry
  const removal = { clientId, json: NULL_STATE, activity: null, since: 0, sinceChanged: false }
  if (entry.json === NULL_STATE) return removal
  const check = checkIdentity(entry.value, writer.claims)
  if (!check.ok && check.reason === 'mismatch') {
    throw new RelayError(RelayErrorCode.IdentityMismatch, 'awareness state names another user')
  }
  if (!check.ok) {
    // Not a presence state (yet): never forwarded; it withdraws what its owner had set.
    writer.debug?.(
      { clientId, why: 'not a complete presence state (user, activity, away, since)' },
      'state dropped',
    )
    return removal
  }
  // "Started replying first" is ordered by `since`: checked against the relay's clock.
  const activity = check.state.activity
  const since = table.sinceFor(clientId, activity, check.state.since)
  // Forwarded as validated: the parsed value written out again, so each key once (the last,
  // as checked), no `__proto__`, and the relay's `since`.
  const json = forwardedJson(entry.value, since)
  return { clientId, json, activity, since, sinceChanged: since !== check.state.since }
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
