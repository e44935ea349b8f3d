/**
 * Relay options: one frozen defaults object plus `Partial<RelayOptions>` from the caller.
 * Every interval is in milliseconds of monotonic time unless its name says otherwise.
 */
import type { Logger } from 'pino'
import { RelayError, RelayErrorCode } from './errors.js'

/** Public-key algorithms the relay accepts; the one in use is pinned, never read from a token. */
export const JWT_ALGORITHMS = Object.freeze(['EdDSA', 'ES256', 'RS256'] as const)
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number]

export interface RelayOptions {
  /** Interface to listen on. Default `'127.0.0.1'`. */
  readonly host: string
  /** TCP port; `0` picks a free one (see `RelayHandle.port`). Default `1234`. */
  readonly port: number
  /** HS256 shared secret the helpdesk signs tokens with. Set this or `jwtPublicKey`. */
  readonly jwtSecret?: string | undefined
  /** Public key (PEM SPKI or JWK JSON) for EdDSA/ES256/RS256 tokens. Set this or `jwtSecret`. */
  readonly jwtPublicKey?: string | undefined
  /** Algorithm of `jwtPublicKey`. Default: inferred from the key (Ed25519, P-256, RSA). */
  readonly jwtAlgorithm?: JwtAlgorithm | undefined
  /** Allowed skew when checking `exp` (and `nbf`), in seconds. Default `5`. */
  readonly clockToleranceSec: number
  /** A connection silent this long (ms) gets one WebSocket ping. Default `5000`. */
  readonly pingIntervalMs: number
  /**
   * A connection silent this long (ms) is terminated and its states removed for everyone.
   * Guaranteed bound: it is dropped no later than this after its last frame or pong.
   * Default `10000`.
   */
  readonly livenessTimeoutMs: number
  /**
   * A state not forwarded for this long (ms) is re-sent with a fresh relay clock, so that
   * receivers (which drop peers silent for 30 s) never drop a live but frozen tab.
   * Must stay below 30000. Default `15000`.
   */
  readonly refreshIntervalMs: number
  /** Period (ms) of the single liveness/refresh sweep of the relay. Default `1000`. */
  readonly sweepIntervalMs: number
  /** Largest inbound WebSocket message (bytes); larger ones close with 1009. Default `65536`. */
  readonly maxFrameBytes: number
  /** pino logger. Default: silent. */
  readonly logger?: Logger | undefined
}

export const DEFAULT_OPTIONS: Readonly<RelayOptions> = Object.freeze({
  host: '127.0.0.1',
  port: 1234,
  clockToleranceSec: 5,
  pingIntervalMs: 5000,
  livenessTimeoutMs: 10_000,
  refreshIntervalMs: 15_000,
  sweepIntervalMs: 1000,
  maxFrameBytes: 65_536,
})

/** y-protocols receivers drop a peer whose state was not renewed for this long (ms). */
export const AWARENESS_OUTDATED_TIMEOUT_MS = 30_000

/** `options` over the defaults; an option given as `undefined` keeps its default. */
export function withDefaults(options: Partial<RelayOptions>): RelayOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))
  return { ...DEFAULT_OPTIONS, ...defined }
}

/**
 * Merges `options` over the defaults and checks the relations between intervals, so a
 * configuration that could not keep its liveness promise is refused at start.
 */
export function resolveOptions(options: Partial<RelayOptions> = {}): RelayOptions {
  const o = withDefaults(options)
  const fail = (message: string) => {
    throw new RelayError(RelayErrorCode.Config, message)
  }
  if (!o.jwtSecret && !o.jwtPublicKey)
    fail('set jwtSecret (HS256) or jwtPublicKey (EdDSA/ES256/RS256)')
  if (o.jwtSecret && o.jwtPublicKey) fail('set only one of jwtSecret and jwtPublicKey')
  if (o.jwtAlgorithm !== undefined && !JWT_ALGORITHMS.includes(o.jwtAlgorithm)) {
    fail(`jwtAlgorithm must be one of ${JWT_ALGORITHMS.join(', ')}`)
  }
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65_535) fail('port must be 0-65535')
  for (const key of [
    'pingIntervalMs',
    'livenessTimeoutMs',
    'refreshIntervalMs',
    'sweepIntervalMs',
  ] as const) {
    if (!Number.isFinite(o[key]) || o[key] <= 0) fail(`${key} must be a positive number`)
  }
  if (o.livenessTimeoutMs <= o.pingIntervalMs + o.sweepIntervalMs) {
    fail('livenessTimeoutMs must exceed pingIntervalMs + sweepIntervalMs (time to answer a ping)')
  }
  if (o.refreshIntervalMs + o.sweepIntervalMs >= AWARENESS_OUTDATED_TIMEOUT_MS) {
    fail('refreshIntervalMs + sweepIntervalMs must stay below 30000 (the y-protocols timeout)')
  }
  if (!Number.isInteger(o.maxFrameBytes) || o.maxFrameBytes < 16)
    fail('maxFrameBytes must be >= 16')
  if (o.clockToleranceSec < 0) fail('clockToleranceSec must be >= 0')
  return Object.freeze(o)
}
  /**
   * Serve `/metrics` on a separate HTTP server on this port (`0` = any free port) and not on
   * `port`, so it can stay off the public interface. Default: unset (served on `port`).
   */
  readonly metricsPort?: number | undefined
  /** Interface of the separate metrics server. Default: `host`. */
  readonly metricsHost?: string | undefined
  if (o.metricsPort !== undefined && !(Number.isInteger(o.metricsPort) && o.metricsPort >= 0)) {
    fail('metricsPort must be 0-65535')
  }
