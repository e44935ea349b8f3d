/**
 * The liveness timings both ends assume by default (docs/architecture.md, "Liveness"). One
 * authority per hop: the relay judges a tab by silence (any frame, or the pong a browser sends
 * to a WebSocket ping without running page script, so frozen and throttled tabs stay alive);
 * the tab judges its relay by the answers to its heartbeats. Idle traffic is what limits a
 * relay's capacity, so each period is as long as its bound allows:
 *
 * - a tab's heartbeat (7 s) keeps the relay hearing from every live tab before the relay
 *   would ping it (7.5 s of silence), so a visible tab costs one small frame each way per
 *   heartbeat and no ping; a frozen tab gets a ping instead and has at least
 *   `livenessTimeoutMs - pingIntervalMs - sweepIntervalMs` (2 s) to answer it;
 * - the tab hears the answer well inside its own 10 s timeout;
 * - the relay re-sends each state every 20 s, inside the 30 s after which stock y-protocols
 *   receivers drop a silent peer.
 */
export const LivenessDefaults = Object.freeze({
  /** Tab: heartbeat period (ms). */
  heartbeatIntervalMs: 7000,
  /** Relay: silence (ms) before one WebSocket ping; above the heartbeat period. */
  pingIntervalMs: 7500,
  /** Both: silence (ms) after which a connection is dead (the presence contract's bound). */
  livenessTimeoutMs: 10_000,
  /** Relay: period (ms) of its single sweep over connections and rooms. */
  sweepIntervalMs: 500,
  /** Relay: a state not forwarded this long (ms) is re-sent with a fresh clock. */
  refreshIntervalMs: 20_000,
})
