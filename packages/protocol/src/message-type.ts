/**
 * y-websocket frame types. A frame is `[varUint type][payload]`; the room is the URL path.
 * Note: a frame does not include the room name.
 */
export const MessageType = Object.freeze({
  /** y-protocols sync: step 1 (state vector), step 2 (missing updates), update. */
  Sync: 0,
  /** y-protocols awareness update. An update with zero entries is a Sightline heartbeat. */
  Awareness: 1,
  /** y-websocket auth message (unused by Sightline; authentication is the URL token). */
  Auth: 2,
  /** Ask the other side to send its whole awareness state. */
  QueryAwareness: 3,
  /** Client to relay only: a signal the relay writes into the room for it (signal.ts). */
  Signal: 100,
} as const)

export type MessageType = (typeof MessageType)[keyof typeof MessageType]
