/**
 * Figures that cannot be compared fairly across the servers, and why: written into the JSON
 * (`notComparable`) and printed under the table, so a ratio is never read without its caveat.
 * Keyed by server, then by the figure (as the report labels it).
 */
import type { ServerKind } from './generator-protocol.js'

export type ServerNotes = Partial<Record<ServerKind, Readonly<Record<string, string>>>>

export const NOT_COMPARABLE: ServerNotes = Object.freeze({
  'sightline-uws': Object.freeze({
    'heap+external/conn after GC':
      'uWebSockets.js keeps its sockets and their buffers in native memory that V8 does not ' +
      'account for, so heap+external per connection leaves them out for sightline-uws; the ' +
      'RSS figures (after GC or not) include them and are the ones that compare.',
  }),
  hocuspocus: Object.freeze({
    'echoes / change':
      'Hocuspocus broadcasts every awareness change to every connection of the document, the ' +
      'sender included (as the reference does); Sightline does not echo. Deliveries / change ' +
      'count the other tabs only, so they compare.',
    'frames down':
      'Hocuspocus coalesces the awareness changes of a document made within one event-loop ' +
      'turn into one frame per connection (flushDelay 0: setImmediate), so in the hot room a ' +
      'frame often carries several entries. Deliveries are counted per entry, frames per ' +
      'frame: idle and hot-room frame counts are not like for like.',
    'ghost after silent loss':
      'Hocuspocus runs on crossws, which pings every socket every 30 s and terminates one that ' +
      'answered nothing since the previous ping (30-60 s), and closes a connection that sent ' +
      'nothing for 60 s (`timeout`). Neither is set here (defaults, as a user runs it); ' +
      'Sightline detects in 10 s (smoke: 1.5 s), the reference pings every 30 s. The figure ' +
      'compares defaults, not mechanisms; the smoke run is too short to see it.',
    'join and connect':
      'A Hocuspocus tab sends, as @hocuspocus/provider does, its auth message (any token: no ' +
      'onAuthenticate hook), sync step 1 and its state at open; the server answers ' +
      'Authenticated, the document awareness, sync step 1 and step 2, and a SyncStatus for the ' +
      "tab's step 2. More frames per join than a presence tab exchanges with the other two.",
    'restart storm':
      "Tabs reconnect with the presence client's backoff (full jitter, 250 ms doubling to 5 s) " +
      "against all three servers; @hocuspocus/provider's own default (1 s doubling to 30 s, " +
      'jittered, at least 1 s) would restore later. The figure measures the server, not the ' +
      'provider.',
    'idle traffic':
      'Like the reference, Hocuspocus gets no heartbeat and the 15 s renewal of y-protocols ' +
      "(HocuspocusProvider runs a y-protocols Awareness), echoed back to the sender; crossws's " +
      '30 s ping is answered by ws. The provider would also reconnect after 30 s without any ' +
      'message (messageReconnectTimeout); the tabs do not, as they do not for the other two.',
    memory:
      'Each Hocuspocus document is a Y.Doc with a y-protocols Awareness (and its 3 s check ' +
      'timer); each connection a ClientConnection with a 60 s timer, a Connection and the ' +
      "upgrade's Request. That is what it costs as a user runs it; its socket layer is a copy " +
      "of ws bundled in crossws, the others' is ws.",
  }),
})

/** The notes for the servers of one run. */
export function notesFor(servers: readonly ServerKind[]): ServerNotes {
  const out: ServerNotes = {}
  for (const kind of servers) {
    const notes = NOT_COMPARABLE[kind]
    if (notes !== undefined) out[kind] = notes
  }
  return out
}
