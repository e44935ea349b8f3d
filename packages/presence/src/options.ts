/** Options of `createPresence`, with their units and defaults in one place. */
import { LivenessDefaults } from '@sightline/protocol'
import type { PresenceEnvironment } from './environment.js'
import { PresenceError } from './errors.js'
import type { WebSocketCtor } from './websocket-like.js'

/** What every Sightline client needs to hold one relay connection (a room or a mailbox list). */
export interface ConnectionOptions {
  /** Relay base URL, e.g. `ws://127.0.0.1:1234`. */
  url: string
  /** JWT; the local agent `{ id: sub, name, avatar }` is read from its claims. */
  token: string
  /** Returns a fresh token; called ahead of expiry and after a 4401 close. */
  getToken?: (() => Promise<string>) | undefined
  /** WebSocket constructor. Default `globalThis.WebSocket` (pass `ws` in Node). */
  WebSocket?: WebSocketCtor | undefined
  /**
   * Where the token travels: `'protocol'` (default) in the `Sec-WebSocket-Protocol` header
   * (`sightline.token.<jwt>`), which stays out of proxy and server logs; `'query'` in the URL
   * (`?token=`), for a relay that predates subprotocol tokens.
   */
  tokenIn?: 'protocol' | 'query' | undefined
  /** Page to watch for input, visibility and lifecycle. Default: window/document when present. */
  environment?: PresenceEnvironment | null | undefined
  /** Heartbeat period, ms. Default 7000 (`LivenessDefaults`). */
  heartbeatIntervalMs?: number | undefined
  /** Silence after a heartbeat that declares the connection dead, ms. Default 10000. */
  livenessTimeoutMs?: number | undefined
  /** Backoff window of the first reconnect attempt, ms. Default 250. */
  reconnectMinDelayMs?: number | undefined
  /** Largest backoff window, ms. Default 5000. */
  reconnectMaxDelayMs?: number | undefined
}

export interface PresenceOptions extends ConnectionOptions {
  /** Room name, e.g. `conversationRoom(1, 42)`. */
  room: string
  /** No input for this long makes the agent away, ms. Default 300000 (5 min). */
  idleTimeoutMs?: number | undefined
  /**
   * Re-send the unchanged own state once it is this old, ms (monotonic). Default 0: off. A
   * Sightline relay refreshes every live state for every receiver itself (its
   * `refreshIntervalMs`), so renewing from the tab only doubles the idle traffic; set it
   * (e.g. 15000, as y-protocols does) only toward a relay that does not refresh.
   */
  renewIntervalMs?: number | undefined
}

export const defaultPresenceOptions = Object.freeze({
  heartbeatIntervalMs: LivenessDefaults.heartbeatIntervalMs,
  livenessTimeoutMs: LivenessDefaults.livenessTimeoutMs,
  idleTimeoutMs: 300_000,
  reconnectMinDelayMs: 250,
  reconnectMaxDelayMs: 5000,
})

/** `tokenIn` checked: where the token travels (default: the subprotocol header). */
export function resolveTokenIn(options: ConnectionOptions): 'protocol' | 'query' {
  const value = options.tokenIn ?? 'protocol'
  if (value !== 'protocol' && value !== 'query') {
    throw new PresenceError(
      'bad-option',
      `tokenIn must be 'protocol' or 'query', got ${String(value)}`,
    )
  }
  return value
}

/** Default of `renewIntervalMs`: off, the relay refreshes states (docs/architecture.md). */
export const DEFAULT_RENEW_INTERVAL_MS = 0

/** `renewIntervalMs` checked: a non-negative number of ms, 0 for off. */
export function resolveRenewInterval(options: PresenceOptions): number {
  const value = options.renewIntervalMs ?? DEFAULT_RENEW_INTERVAL_MS
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new PresenceError(
      'bad-option',
      `renewIntervalMs must be 0 (off) or a positive number of ms, got ${value}`,
    )
  }
  return value
}

export type ResolvedTimings = { -readonly [K in keyof typeof defaultPresenceOptions]: number }

/** Applies defaults and refuses values that would break liveness, naming the option. */
export function resolveTimings(options: PresenceOptions): ResolvedTimings {
  const resolved: ResolvedTimings = { ...defaultPresenceOptions }
  for (const key of Object.keys(defaultPresenceOptions) as (keyof ResolvedTimings)[]) {
    const value = options[key]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new PresenceError('bad-option', `${key} must be a positive number of ms, got ${value}`)
    }
    resolved[key] = value
  }
  if (resolved.heartbeatIntervalMs >= resolved.livenessTimeoutMs) {
    throw new PresenceError('bad-option', 'heartbeatIntervalMs must be below livenessTimeoutMs')
  }
  if (resolved.reconnectMinDelayMs > resolved.reconnectMaxDelayMs) {
    throw new PresenceError('bad-option', 'reconnectMinDelayMs must not exceed reconnectMaxDelayMs')
  }
  return resolved
}

/** The WebSocket to use: the option, else the global one. */
export function resolveWebSocket(ctor: WebSocketCtor | undefined): WebSocketCtor {
  const found = ctor ?? (globalThis as { WebSocket?: WebSocketCtor }).WebSocket
  if (found === undefined) {
    throw new PresenceError('no-websocket', 'no WebSocket available: pass options.WebSocket')
  }
  return found
}
