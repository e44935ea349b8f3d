/**
 * The relay's admitted connections, and what its capacity limits count: connections open or
 * still held by their room (an abrupt leaver's states through the removal grace), rooms,
 * connections per room and per agent (access/capacity.ts).
 */
import type { CloseCode, SightlineClaims } from '@sightline/protocol'
import type { Logger } from 'pino'
import type { CapacityUsage } from '../access/capacity.js'
import { SubjectCounts } from '../access/capacity.js'
import type { ClientAddress } from '../access/client-address.js'
import type { RelayOptions } from '../config/options.js'
import type { RelayMetrics } from '../ops/metrics.js'
import type { RefusalReason } from '../refusal.js'
import type { RelaySocket } from '../transport/relay-socket.js'
import { Connection } from './connection.js'
import type { RoomRegistry } from './room-registry.js'

export interface RelayConnectionsInit {
  readonly rooms: RoomRegistry
  readonly options: RelayOptions
  readonly log: Logger
  /** What connections report to (every refusal counted, its log line aggregated). */
  readonly metrics: RelayMetrics
}

export class RelayConnections {
  /** Open connections (the sweep's and the shutdown's). */
  readonly live = new Set<Connection>()
  readonly #init: RelayConnectionsInit
  readonly #subjects = new SubjectCounts()
  /**
   * Admitted connections not yet released by their room: open ones plus abrupt leavers
   * whose states are kept through the removal grace. The capacity limits count these.
   */
  #admitted = 0
  // One function each for all connections: no closure per connection.
  readonly #onGone = (c: Connection) => {
    this.live.delete(c)
  }
  readonly #onReleased = (c: Connection) => {
    this.#admitted--
    this.#subjects.remove(c.subject)
  }

  constructor(init: RelayConnectionsInit) {
    this.#init = init
  }

  /** Connections held now because they are not reading (read when metrics are scraped). */
  heldCount(): number {
    let n = 0
    for (const c of this.live) if (c.held) n++
    return n
  }

  /** What admitting one more connection of `subject` into `room` would be measured against. */
  usage(room: string, subject: string): CapacityUsage {
    const { rooms } = this.#init
    return {
      connections: this.#admitted,
      rooms: rooms.size,
      inRoom: rooms.peersIn(room),
      ofSubject: this.#subjects.of(subject),
    }
  }

  /**
   * Admits an accepted socket as a connection to `room`. Nothing of the upgrade request is
   * kept (its URL and headers hold the token).
   */
  open(
    socket: RelaySocket,
    id: string,
    room: string,
    claims: SightlineClaims,
    peer: ClientAddress,
  ): void {
    const { rooms, options, log, metrics } = this.#init
    this.#subjects.add(claims.sub)
    this.#admitted++
    const { sub, name, avatar, exp } = claims
    const connection = new Connection({
      id,
      socket,
      roomName: room,
      // The granted room patterns were checked at admission: not kept per connection.
      claims: avatar === undefined ? { sub, name, exp } : { sub, name, avatar, exp },
      peer,
      rooms,
      log,
      limits: options,
      metrics,
      onGone: this.#onGone,
      onReleased: this.#onReleased,
    })
    this.live.add(connection)
    metrics.admitted()
    // One info line per admitted socket (conn, room, sub, addr): what an abuse report or a
    // support question starts from. About 200 bytes per connection, not per frame.
    if (log.isLevelEnabled('info')) connection.log.info('connected')
  }

  /** Closes every open connection with `code`; resolves when all are closed. */
  closeAll(reason: RefusalReason, code: CloseCode): Promise<void> {
    const all = [...this.live]
    const done = Promise.all(all.map((c) => c.closed()))
    for (const c of all) c.close(reason, undefined, code)
    return done.then(() => {})
  }
}
