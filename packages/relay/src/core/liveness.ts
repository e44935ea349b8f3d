/**
 * The relay decides whether a connection is alive. One sweep per relay (never a timer per
 * connection) runs every `sweepIntervalMs`:
 *
 * - silent for `pingIntervalMs`: one WebSocket ping (browsers answer it in their network
 *   stack, so a hidden, throttled or frozen tab stays alive while its socket does);
 * - silent so long that the next sweep would come after `livenessTimeoutMs`: terminated now,
 *   and its states removed for everyone, so the bound holds exactly;
 * - token expired: closed with 4401 (refusal `token_expired`);
 * - the states of connections that closed abruptly are removed once their removal grace is
 *   over (`removalGraceMs`; a tab that reconnected meanwhile took them over);
 * - a Sightline client silent for `quietAfterMs` is held (connection.ts: sent nothing but
 *   liveness until it speaks again); one held for its send buffer is caught up once it drained;
 * - every state not forwarded for `refreshIntervalMs` is re-sent with a fresh relay clock,
 *   so no receiver (stock y-protocols drops peers silent for 30 s) drops a live peer.
 *
 * "Silent" is measured with `performance.now()` from the last inbound frame or pong.
 */
import type { RelayOptions } from '../config/options.js'
import { RefusalReason } from '../refusal.js'

/** What the sweep needs from a connection. */
export interface LiveConnection {
  readonly lastSeen: number
  readonly pinged: boolean
  readonly claims: { readonly exp: number }
  /** Holds it when its scripts went silent, or catches it up when its buffer drained. */
  checkReading(now: number): void
  ping(): void
  terminate(): void
  close(reason: RefusalReason): void
  readonly log: { info(obj: object, msg: string): void }
}

/** What the sweep needs from a room. */
export interface RefreshableRoom {
  releaseDue(now: number): void
  refresh(refreshIntervalMs: number): void
}

export type SweepOptions = Pick<
  RelayOptions,
  | 'pingIntervalMs'
  | 'livenessTimeoutMs'
  | 'refreshIntervalMs'
  | 'sweepIntervalMs'
  | 'clockToleranceSec'
>

/** One pass over every connection and room (see the file header). */
export function sweep(
  connections: Iterable<LiveConnection>,
  rooms: Iterable<RefreshableRoom>,
  options: SweepOptions,
  now: number = performance.now(),
  wallMs: number = Date.now(),
): void {
  // Copy first: closing a connection removes it from the live set.
  for (const c of [...connections]) {
    const silent = now - c.lastSeen
    if ((c.claims.exp + options.clockToleranceSec) * 1000 <= wallMs) {
      c.log.info({ exp: c.claims.exp }, 'token expired')
      c.close(RefusalReason.TokenExpired)
    } else if (silent + options.sweepIntervalMs > options.livenessTimeoutMs) {
      c.log.info({ silentMs: Math.round(silent) }, 'liveness timeout')
      c.terminate()
    } else {
      if (silent >= options.pingIntervalMs && !c.pinged) c.ping()
      c.checkReading(now)
    }
  }
  for (const room of [...rooms]) {
    room.releaseDue(now)
    room.refresh(options.refreshIntervalMs)
  }
}

/** Starts the relay's single sweep; returns a function that stops it. */
export function startSweep(run: () => void, sweepIntervalMs: number): () => void {
  const timer = setInterval(run, sweepIntervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
