/**
 * The page's lifecycle for one tab's presence: it leaves the room when the page hides
 * (pagehide), rejoins when the back/forward cache restores the page (pageshow, persisted), and
 * ends for good on `end()` (the client's `destroy()`).
 */
import { type PresenceEnvironment, watchPageCache } from './environment.js'

/** The tab's state in the room (room-awareness.ts). */
export interface LifecycleRoom {
  /** Takes the state out of the room; false if it already was. */
  withdraw(): boolean
  /** Puts it back; false if it was not withdrawn. */
  rejoin(): boolean
}

/** The socket (connection.ts). */
export interface LifecycleConnection {
  stop(): void
  start(): void
}

export interface PageLifecycle {
  /** True once `end()` ran. */
  readonly ended: boolean
  /** Leaves the room for everyone: one null frame, then the socket closes with 1000. */
  leave(): void
  /** Comes back after `leave()` (a page restored from the back/forward cache). */
  rejoin(): void
  /** Leaves for good and stops watching the page. */
  end(): void
}

/** Watches `environment`'s page events (none without a page) for `room` and `connection`. */
export function watchPageLifecycle(
  environment: PresenceEnvironment | null,
  room: LifecycleRoom,
  connection: LifecycleConnection,
): PageLifecycle {
  let ended = false
  const leave = () => {
    if (room.withdraw()) connection.stop()
  }
  const rejoin = () => {
    if (!ended && room.rejoin()) connection.start()
  }
  const stopWatching = watchPageCache(environment, leave, rejoin)
  return {
    get ended() {
      return ended
    },
    leave,
    rejoin,
    end() {
      leave()
      ended = true
      stopWatching()
    },
  }
}
