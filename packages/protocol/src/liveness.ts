/**
 * The liveness timings both ends assume by default (docs/architecture.md, "Liveness"). One
 * authority per hop: the relay judges a tab by silence (any frame, or the pong a browser sends
 * to a WebSocket ping without running page script, so frozen and throttled tabs stay alive);
 * the tab judges its relay by the answers to its heartbeats. Idle traffic is what limits a
 * relay's capacity, so each period is as long as its bound allows:
 *
 * - a tab that heard nothing for 7 s sends a heartbeat (answered), one that sent nothing for
 *   7 s but hears from the relay a keepalive (not answered): the relay hears from every live
 *   tab before it would ping it (7.5 s of silence), so a visible tab in a quiet room costs one
 *   small frame each way per period, one in a busy room one frame up, and neither a ping; a frozen tab gets a ping instead and has at least
 *   `livenessTimeoutMs - pingIntervalMs - sweepIntervalMs` (2 s) to answer it;
 * - the tab hears the answer well inside its own 10 s timeout;
 * - the relay re-sends each state every 20 s, inside the 30 s after which stock y-protocols
 *   receivers drop a silent peer.
 */
export const LivenessDefaults = Object.freeze({
  /** Tab: silence (ms, heard or sent) after which it sends a heartbeat or a keepalive. */
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

/**
 * What both ends assume about reading (docs/architecture.md, "Readers that are not reading").
 * Presence is state, not a log: the relay stops sending to a tab whose scripts have gone
 * silent (frozen, heavily throttled) before it could fill the ~100 KB a frozen Chromium tab
 * still reads, and sends it one catch-up frame when it speaks again. A live tab therefore
 * acknowledges what it reads: after `ackAfterBytes` received since it last sent anything, it
 * sends a heartbeat, well before the relay's `unreadHoldBytes` is reached.
 */
export const ReadingDefaults = Object.freeze({
  /** Tab: bytes received since it last sent a frame after which it sends a heartbeat. */
  ackAfterBytes: 16_384,
  /**
   * Relay: bytes sent to a heartbeating connection since its last frame after which it is
   * held (sent nothing but liveness until it speaks again). Three acks' worth.
   */
  unreadHoldBytes: 49_152,
})
