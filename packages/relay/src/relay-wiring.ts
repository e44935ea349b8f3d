/**
 * The one place rooms are connected to the rest of the relay: which listeners each kind of
 * room tells of its committed changes (room-wiring.ts), and who hears of rooms coming and
 * going. Written out call by call, so a reader sees every consequence of a room's change here
 * and no two listeners can claim the same slot.
 *
 * | room | clients write states | bus (cluster mode) | summaries |
 * |---|---|---|---|
 * | `mailbox/<m>` (a list) | no: relay-owned summaries | no: every node derives its own | no |
 * | `mailbox/<m>/conversation/<c>` | yes | own tabs' states, replies | yes |
 * | any other room | yes | own tabs' states, replies | no |
 */
import { parseRoom } from '@sightline/protocol'
import type { Cluster } from './cluster/cluster.js'
import type { MailboxSummaries } from './core/mailbox-summaries.js'
import type { Room } from './core/room.js'
import type { RoomObserver } from './core/room-registry.js'
import type { RoomWiring } from './core/room-wiring.js'

/** The relay's room observer: the mailbox summaries and, in cluster mode, the cluster. */
export function wireRooms(summaries: MailboxSummaries, cluster: Cluster | null): RoomObserver {
  const list: RoomWiring<Room> = Object.freeze({ clientStates: false, bus: null, summaries: null })
  const conversation: RoomWiring<Room> = Object.freeze({
    clientStates: true,
    bus: cluster,
    summaries,
  })
  const other: RoomWiring<Room> = Object.freeze({
    clientStates: true,
    bus: cluster,
    summaries: null,
  })
  return {
    wiringFor(name) {
      const kind = parseRoom(name)?.kind
      if (kind === 'mailbox') return list
      return kind === 'conversation' ? conversation : other
    },
    created(room) {
      summaries.created(room)
      cluster?.created(room)
    },
    deleted(room) {
      summaries.deleted(room)
      cluster?.deleted(room)
    },
    keeps: (room) => cluster?.keeps(room) ?? true,
  }
}
