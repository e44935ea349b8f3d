/**
 * Intervals short enough that a liveness test takes about a second, for the relay and for
 * the presence client that talks to it (the client's liveness matches the relay's).
 */

/** Relay options (`Partial<RelayOptions>`). */
export const FAST_RELAY = Object.freeze({
  pingIntervalMs: 200,
  livenessTimeoutMs: 600,
  sweepIntervalMs: 50,
  refreshIntervalMs: 10_000,
})

/** Presence client options to match. */
export const FAST_CLIENT = Object.freeze({
  heartbeatIntervalMs: 200,
  livenessTimeoutMs: 600,
  reconnectMinDelayMs: 50,
  reconnectMaxDelayMs: 300,
})
