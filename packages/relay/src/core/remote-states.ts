/**
 * Other nodes' states (cluster mode): how the states of another relay node's tabs, owned here
 * by a stand-in for that node, enter a room's awareness table.
 *
 * Each is re-clocked with this relay's clock. A state of a client ID a local connection of
 * the same agent owns moves to the stand-in (the tab reconnected to that node: the local
 * connection yields it, and will not remove it when it goes). A removal only removes what the
 * stand-in holds.
 *
 * Ownership across nodes: a client ID claimed here by another agent keeps its earlier claim
 * (`claimWins`: earlier `claimedAt`, ties to the smaller subject). When the claim held here
 * wins, the remote state is ignored and this node's claim is published again, so the other
 * node learns it; when the remote claim wins, the local holder gives the ID up (closed with
 * 4409 if it is a connection here). Every node applies the same rule, so all converge.
 */
import { type AwarenessEntry, type BusState, readPresenceState } from '@sightline/protocol'
import { type AwarenessOwner, type AwarenessTable, NULL_STATE } from './awareness-table.js'

/** What applying other nodes' states changed, for the room to send and tell. */
export interface RemoteMerge<O> {
  /** Changes to forward to the room's peers. */
  readonly changes: AwarenessEntry[]
  /** This node's claims that won: to publish again, so the other node learns them. */
  readonly reassert: BusState[] | undefined
  /** Local holders that lost their client ID to an earlier claim (closed with 4409). */
  readonly evicted: Set<O> | undefined
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

/** Applies `states` of another node's tabs, owned here by `owner`, to `table`. */
export function mergeRemote<O extends AwarenessOwner>(
  table: AwarenessTable<O>,
  owner: O,
  states: readonly BusState[],
): RemoteMerge<O> {
  const changes: AwarenessEntry[] = []
  let reassert: BusState[] | undefined
  let evicted: Set<O> | undefined
  for (const incoming of states) {
    const { clientId, json, subject, claimedAt } = incoming
    const claim = table.claimOf(clientId)
    if (claim !== undefined && claim.subject !== subject) {
      if (claimWins(claim, incoming)) {
        // Only a claim of this node's own (a tab here, or released here) is ours to repeat.
        if (!claim.remote) {
          reassert ??= []
          reassert.push({
            clientId,
            json: claim.json,
            subject: claim.subject,
            claimedAt: claim.claimedAt,
          })
        }
        continue
      }
      const { from, removal } = table.cede(clientId, subject, claimedAt)
      if (from !== null && from.remote !== true) {
        evicted ??= new Set()
        evicted.add(from)
      }
      if (removal !== null && json === NULL_STATE) changes.push(removal)
    }
    const change = applyOne(table, owner, incoming)
    if (change !== null) changes.push(change)
  }
  return { changes, reassert, evicted }
}

/** One remote state (its claim settled) applied; the change to forward, if any. */
function applyOne<O extends AwarenessOwner>(
  table: AwarenessTable<O>,
  owner: O,
  { clientId, json, subject, claimedAt }: BusState,
): AwarenessEntry | null {
  if (json === NULL_STATE) {
    if (table.ownerOf(clientId) !== owner || !table.isLive(clientId)) return null
    // With its agent's claim: the ID stays that agent's after the removal.
    return table.commit(owner, clientId, NULL_STATE, null, 0, subject, claimedAt)
  }
  // Another node's periodic republish of a state held here unchanged: nothing to tell the
  // tabs here (this room's own refresh keeps them from timing it out, batched with every
  // other state of the room).
  if (table.holds(owner, clientId, json)) return null
  let state: ReturnType<typeof readPresenceState>
  try {
    state = readPresenceState(JSON.parse(json))
  } catch {
    return null
  }
  if (state === null || state.user.id !== subject) return null
  return table.commit(owner, clientId, json, state.activity, state.since, subject, claimedAt)
}
