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
  /** Allowed skew when checking `exp`, `nbf` and `iat`, in seconds. Default `5`. */
  readonly clockToleranceSec: number
  /**
   * Longest token lifetime accepted, in seconds: `exp - iat`, or `exp - now` for a token
   * without `iat`; a longer-lived token is refused with 4401 (a leaked token must not work for
   * years). Default `86400` (24 h; the helpdesk should mint tokens of minutes).
   */
  readonly maxTokenLifetimeSec: number
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
  /**
   * How long (ms) the states of a connection that closed without setting them to null first
   * (1001 from a browser, 1006, a killed process, a stock y-websocket provider) stay shown.
   * Chromium closes a resumed frozen tab's socket and the tab reconnects at once with the same
   * client ID: within the grace it takes its states over and nobody sees it leave and come
   * back. A tab that leaves sends null states first and is removed at once; a connection
   * dropped by the liveness timeout is removed at once too. The sweep does the removal, so it
   * comes between this and this + `sweepIntervalMs` after the close; the grace is capped at
   * `livenessTimeoutMs - sweepIntervalMs`, so a closed connection is never kept longer than a
   * silent one. `0` removes at once. Default `1500`.
   */
  readonly removalGraceMs: number
  /**
   * Largest inbound WebSocket message (bytes); larger ones close with 4413. `ws` itself
   * refuses (1009) anything over twice this before buffering it. Default `65536` (a
   * presence state is under 3 KiB, a reply signal under 1 KiB).
   */
  readonly maxFrameBytes: number
  /**
   * Largest awareness state (bytes of its JSON); larger ones close with 4413. Default `4096`
   * (a presence state with the longest allowed id, name and avatar URL is about 2.5 KiB;
   * a full burst of such states, 200 x 4 KiB, stays below the default send buffer bound).
   */
  readonly maxStateBytes: number
  /**
   * Messages per second a connection may send on average (token bucket refill rate); more
   * close it with 4429. Default `100` (a tab sends one heartbeat per 4 s plus a few state
   * changes; a stock y-websocket provider a few frames per change).
   */
  readonly messagesPerSecond: number
  /** Bucket size: messages a connection may send at once after a quiet spell. Default `200`. */
  readonly messageBurst: number
  /**
   * Inbound bytes per second a connection may send on average; more close it with 4429. The
   * relay's work on a frame grows with its bytes (decoding, checking each awareness entry),
   * so this bounds the CPU one connection can take. A connection may send
   * max(this, 2 x `maxFrameBytes`) at once. Default `65536` (a tab sends ~100 bytes per change).
   */
  readonly bytesPerSecond: number
  /**
   * Connections per room; the next one is closed with 1013 after the upgrade. Default `200`
   * (a conversation is watched by a handful of agents; a mailbox list by its team).
   */
  readonly maxConnectionsPerRoom: number
  /** Rooms held at once; a connection that would open a new one gets 1013. Default `10000`. */
  readonly maxRooms: number
  /** Connections held at once; the next one gets 1013. Default `20000`. */
  readonly maxConnections: number
  /**
   * Connections per token subject (agent) across all rooms; the next one gets 4429.
   * Default `50` (one per open conversation tab plus its mailbox list, and a second socket
   * per tab while a token is being renewed).
   */
  readonly maxConnectionsPerSubject: number
  /**
   * A TCP connection that has not completed its HTTP upgrade (or request) within this many
   * ms is destroyed (slowloris). Default `10000`.
   */
  readonly handshakeTimeoutMs: number
  /**
   * Sockets that sent an upgrade request and are not admitted yet (token being verified, or
   * refused and given `REFUSED_CLOSE_WAIT_MS` to answer the close); past this, upgrade requests
   * get HTTP 503 at once. Default `2000`.
   */
  readonly maxPendingUpgrades: number
  /**
   * Awareness client IDs one connection may introduce (a tab uses one); the next closes it
   * with 1008. Default `4`.
   */
  readonly maxClientIdsPerConnection: number
  /**
   * Bytes queued for a connection that does not read fast enough; past this it is closed
   * with 4508 (and dropped if it does not drain within a second), so relay memory stays
   * bounded. Default `1048576` (1 MiB, thousands of state changes).
   */
  readonly maxSendBufferBytes: number
  /**
   * Browser origins allowed to connect (e.g. `https://desk.example.com`); a request whose
   * `Origin` is not listed gets 4403 after the upgrade. Default: any origin.
   */
  readonly allowedOrigins?: readonly string[] | undefined
  /**
   * Refuse (4403) requests without an `Origin` header. Non-browser clients (load tests,
   * server-side integrations) send none, and cannot forge a browser's anyway, so the default
   * `false` lets them in; set it when only browsers should connect.
   */
  readonly requireOrigin: boolean
  /**
   * The relay is behind a proxy you trust (nginx, a load balancer): log the client address
   * from the last `X-Forwarded-For` entry and the proxy's `X-Request-Id`, instead of the
   * socket's peer (the proxy). Leave off otherwise: anyone can send those headers. Default
   * `false`.
   */
  readonly trustProxy: boolean
  /** pino logger. Default: silent. */
  readonly logger?: Logger | undefined
  /**
   * Serve `/metrics` on a separate HTTP server on this port (`0` = any free port) and not on
   * `port`, so it can stay off the public interface. Default: unset (served on `port`).
   */
  readonly metricsPort?: number | undefined
  /** Interface of the separate metrics server. Default: `host`. */
  readonly metricsHost?: string | undefined
  /**
   * Cluster mode: the Redis server relay nodes share rooms through
   * (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS). Default: unset, a
   * single relay that needs nothing else.
   */
  readonly redisUrl?: string | undefined
  /** Cluster mode: this node's name on the bus. Default: generated (`<hostname>-<pid>`). */
  readonly nodeId?: string | undefined
  /** Cluster mode: prefix of the Redis channels (several deployments on one Redis). Default `sightline`. */
  readonly redisPrefix: string
  /**
   * Cluster mode: a node silent this long (ms) is declared down and its tabs removed from
   * every other node (nodes heartbeat every third of it). Default `3000`; must stay below
   * `livenessTimeoutMs`, so a dead node's tabs go within the liveness bound.
   */
  readonly nodeTimeoutMs: number
}

export const DEFAULT_OPTIONS: Readonly<RelayOptions> = Object.freeze({
  host: '127.0.0.1',
  port: 1234,
  clockToleranceSec: 5,
  maxTokenLifetimeSec: 86_400,
  pingIntervalMs: 5000,
  livenessTimeoutMs: 10_000,
  refreshIntervalMs: 15_000,
  sweepIntervalMs: 1000,
  removalGraceMs: 1500,
  maxFrameBytes: 65_536,
  maxStateBytes: 4096,
  messagesPerSecond: 100,
  messageBurst: 200,
  bytesPerSecond: 65_536,
  maxConnectionsPerRoom: 200,
  maxRooms: 10_000,
  maxConnections: 20_000,
  maxConnectionsPerSubject: 50,
  handshakeTimeoutMs: 10_000,
  maxPendingUpgrades: 2000,
  maxClientIdsPerConnection: 4,
  maxSendBufferBytes: 1_048_576,
  requireOrigin: false,
  trustProxy: false,
  redisPrefix: 'sightline',
  nodeTimeoutMs: 3000,
})

/** Shortest HS256 secret accepted, in bytes (RFC 7518 3.2: at least the hash size). */
export const MIN_JWT_SECRET_BYTES = 32

/** y-protocols receivers drop a peer whose state was not renewed for this long (ms). */
export const AWARENESS_OUTDATED_TIMEOUT_MS = 30_000

/**
 * The removal grace actually applied (see `removalGraceMs`): never so long that an abruptly
 * closed connection outlives the bound on a silent one.
 */
export function removalGraceOf(
  o: Pick<RelayOptions, 'removalGraceMs' | 'livenessTimeoutMs' | 'sweepIntervalMs'>,
): number {
  return Math.max(0, Math.min(o.removalGraceMs, o.livenessTimeoutMs - o.sweepIntervalMs))
}

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
  if (o.jwtSecret && Buffer.byteLength(o.jwtSecret) < MIN_JWT_SECRET_BYTES) {
    fail(
      `SIGHTLINE_JWT_SECRET (jwtSecret) must be at least ${MIN_JWT_SECRET_BYTES} bytes, got ` +
        `${Buffer.byteLength(o.jwtSecret)}; make one with: openssl rand -hex 32`,
    )
  }
  if (o.jwtAlgorithm !== undefined && !JWT_ALGORITHMS.includes(o.jwtAlgorithm)) {
    fail(`jwtAlgorithm must be one of ${JWT_ALGORITHMS.join(', ')}`)
  }
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65_535) fail('port must be 0-65535')
  if (o.metricsPort !== undefined && !(Number.isInteger(o.metricsPort) && o.metricsPort >= 0)) {
    fail('metricsPort must be 0-65535')
  }
  for (const key of [
    'pingIntervalMs',
    'livenessTimeoutMs',
    'refreshIntervalMs',
    'sweepIntervalMs',
  ] as const) {
    if (!Number.isFinite(o[key]) || o[key] <= 0) fail(`${key} must be a positive number`)
  }
  if (!Number.isFinite(o.removalGraceMs) || o.removalGraceMs < 0) {
    fail('removalGraceMs must be a number >= 0')
  }
  if (o.livenessTimeoutMs <= o.pingIntervalMs + o.sweepIntervalMs) {
    fail('livenessTimeoutMs must exceed pingIntervalMs + sweepIntervalMs (time to answer a ping)')
  }
  if (o.refreshIntervalMs + o.sweepIntervalMs >= AWARENESS_OUTDATED_TIMEOUT_MS) {
    fail('refreshIntervalMs + sweepIntervalMs must stay below 30000 (the y-protocols timeout)')
  }
  if (o.redisUrl !== undefined && !/^rediss?:\/\//.test(o.redisUrl)) {
    fail('SIGHTLINE_REDIS_URL (redisUrl) must be a redis:// or rediss:// URL')
  }
  if (!Number.isInteger(o.nodeTimeoutMs) || o.nodeTimeoutMs < 300) {
    fail('nodeTimeoutMs must be an integer >= 300')
  }
  if (o.redisUrl !== undefined && o.nodeTimeoutMs + o.sweepIntervalMs > o.livenessTimeoutMs) {
    fail(
      'SIGHTLINE_NODE_TIMEOUT_MS + SIGHTLINE_SWEEP_INTERVAL_MS must not exceed ' +
        "SIGHTLINE_LIVENESS_TIMEOUT_MS (a dead node's tabs must go within the liveness bound)",
    )
  }
  if (!Number.isInteger(o.maxFrameBytes) || o.maxFrameBytes < 16)
    fail('maxFrameBytes must be >= 16')
  checkLimits(o, fail)
  if (o.clockToleranceSec < 0) fail('clockToleranceSec must be >= 0')
  return Object.freeze(o)
}

/** Integer limits must be positive; origins must be `scheme://host[:port]`. */
function checkLimits(o: RelayOptions, fail: (message: string) => void): void {
  for (const key of [
    'maxStateBytes',
    'messageBurst',
    'bytesPerSecond',
    'maxConnectionsPerRoom',
    'maxRooms',
    'maxConnections',
    'maxConnectionsPerSubject',
    'handshakeTimeoutMs',
    'maxPendingUpgrades',
    'maxTokenLifetimeSec',
    'maxClientIdsPerConnection',
    'maxSendBufferBytes',
  ] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) fail(`${key} must be a positive integer`)
  }
  if (!Number.isFinite(o.messagesPerSecond) || o.messagesPerSecond <= 0)
    fail('messagesPerSecond must be a positive number')
  for (const origin of o.allowedOrigins ?? []) {
    if (normalizeOrigin(origin) === null) fail(`allowedOrigins: "${origin}" is not an origin`)
  }
}

/**
 * An origin as browsers send it (`scheme://host[:port]`, lower case, no path), or null when
 * `text` is not one. Default ports are dropped, so `https://a.test:443` equals `https://a.test`.
 */
export function normalizeOrigin(text: string): string | null {
  let url: URL
  try {
    url = new URL(text.trim())
  } catch {
    return null
  }
  if (url.origin === 'null' || url.pathname.length > 1 || url.search || url.hash) return null
  return url.origin
}
