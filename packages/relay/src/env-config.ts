/**
 * The relay's environment variables, parsed and validated in this one place. The CLI loads
 * `.env` first (dotenv) and passes `process.env`; tests pass a plain object.
 * An empty value counts as unset. Every error names the variable and says what is allowed.
 */
import type { LevelWithSilent } from 'pino'
import { z } from 'zod'
import { RelayError, RelayErrorCode } from './errors.js'
import {
  JWT_ALGORITHMS,
  normalizeOrigin,
  type RelayOptions,
  resolveOptions,
  withDefaults,
} from './options.js'

export const LOG_LEVELS = Object.freeze([
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
] as const satisfies readonly LevelWithSilent[])

/** What the CLI needs from the environment: relay options plus the log level. */
export interface EnvConfig {
  readonly options: RelayOptions
  /** `SIGHTLINE_LOG_LEVEL`, default `info`. */
  readonly logLevel: LevelWithSilent
  /** `SIGHTLINE_SHUTDOWN_TIMEOUT_MS`: bound on the CLI's exit after a signal. */
  readonly shutdownTimeoutMs: number
}

type Env = Readonly<Record<string, string | undefined>>

/** An optional integer variable with a lower (and optional upper) bound. */
function integer(name: string, unit: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return undefined
      const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN
      if (!Number.isSafeInteger(n) || n < min || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be an integer ${unit} ${range}, got "${raw}"`,
        })
        return z.NEVER
      }
      return n
    })
    .meta({ allowed: `integer ${unit} ${range}` })
}

/** An optional string variable restricted to `allowed`. */
function oneOf<T extends string>(name: string, allowed: readonly T[]) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return undefined
      if (!(allowed as readonly string[]).includes(raw)) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be one of ${allowed.join(', ')}, got "${raw}"`,
        })
        return z.NEVER
      }
      return raw as T
    })
    .meta({ allowed: `one of ${allowed.join(', ')}` })
}

const text = z
  .string()
  .optional()
  .transform((raw) => (raw === undefined || raw.trim() === '' ? undefined : raw))

/** A comma-separated list of origins (`https://desk.example.com,https://x.test:8443`). */
function origins(name: string) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return undefined
      const list = raw
        .split(',')
        .map((o) => o.trim())
        .filter((o) => o !== '')
      const bad = list.filter((o) => normalizeOrigin(o) === null)
      if (bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be a comma-separated list of origins like https://desk.example.com, got "${bad.join(', ')}"`,
        })
        return z.NEVER
      }
      return list
    })
    .meta({ allowed: 'comma-separated origins (scheme://host[:port])' })
}

/** `true` or `false` (also `1`/`0`, `yes`/`no`). */
function flag(name: string) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return undefined
      const v = raw.trim().toLowerCase()
      if (v === 'true' || v === '1' || v === 'yes') return true
      if (v === 'false' || v === '0' || v === 'no') return false
      ctx.addIssue({ code: 'custom', message: `${name} must be true or false, got "${raw}"` })
      return z.NEVER
    })
    .meta({ allowed: 'true or false' })
}

/** Default of `SIGHTLINE_LOG_LEVEL`. */
export const DEFAULT_LOG_LEVEL: LevelWithSilent = 'info'
/** Default of `SIGHTLINE_SHUTDOWN_TIMEOUT_MS`: the CLI exits this long after a signal at most. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5000

/**
 * What `--help`, the flags and the start-up config log know about a variable. Attached to
 * its schema with `.meta()`, so a variable added to EnvSchema gets its flag and help line.
 */
export type VariableDoc = {
  /** One line: what the variable does. */
  readonly description?: string
  /** The relay option it sets; its default is then read from DEFAULT_OPTIONS. */
  readonly option?: keyof RelayOptions
  /** Default for variables that are not relay options. */
  readonly default?: string | number
  /** Values allowed (set by the `integer` and `oneOf` helpers). */
  readonly allowed?: string
  /** Never logged, and discouraged as a flag (visible to other users in `ps`). */
  readonly secret?: boolean
}

function doc(d: VariableDoc): VariableDoc {
  return d
}

/** The limits (issue 4): what one connection, room, subject or relay may use. */
const LIMIT_VARIABLES = {
  SIGHTLINE_MAX_STATE_BYTES: integer('SIGHTLINE_MAX_STATE_BYTES', 'number of bytes', 256).meta(
    doc({ option: 'maxStateBytes', description: 'largest awareness state JSON (larger: 4413)' }),
  ),
  SIGHTLINE_MESSAGES_PER_SECOND: integer(
    'SIGHTLINE_MESSAGES_PER_SECOND',
    'number of messages',
    1,
  ).meta(
    doc({
      option: 'messagesPerSecond',
      description: 'average messages per second per connection (token bucket; more: 4429)',
    }),
  ),
  SIGHTLINE_MESSAGE_BURST: integer('SIGHTLINE_MESSAGE_BURST', 'number of messages', 1).meta(
    doc({ option: 'messageBurst', description: 'messages a connection may send at once' }),
  ),
  SIGHTLINE_BYTES_PER_SECOND: integer('SIGHTLINE_BYTES_PER_SECOND', 'number of bytes', 1024).meta(
    doc({
      option: 'bytesPerSecond',
      description: 'average inbound bytes per second per connection (more: 4429)',
    }),
  ),
  SIGHTLINE_MAX_CONNECTIONS_PER_ROOM: integer(
    'SIGHTLINE_MAX_CONNECTIONS_PER_ROOM',
    'number of connections',
    1,
  ).meta(
    doc({ option: 'maxConnectionsPerRoom', description: 'connections per room (more: 1013)' }),
  ),
  SIGHTLINE_MAX_ROOMS: integer('SIGHTLINE_MAX_ROOMS', 'number of rooms', 1).meta(
    doc({ option: 'maxRooms', description: 'rooms held at once (more: 1013)' }),
  ),
  SIGHTLINE_MAX_CONNECTIONS: integer('SIGHTLINE_MAX_CONNECTIONS', 'number of connections', 1).meta(
    doc({ option: 'maxConnections', description: 'connections held at once (more: 1013)' }),
  ),
  SIGHTLINE_MAX_CONNECTIONS_PER_SUBJECT: integer(
    'SIGHTLINE_MAX_CONNECTIONS_PER_SUBJECT',
    'number of connections',
    1,
  ).meta(
    doc({
      option: 'maxConnectionsPerSubject',
      description: 'connections per token subject across rooms (more: 4429)',
    }),
  ),
  SIGHTLINE_HANDSHAKE_TIMEOUT_MS: integer(
    'SIGHTLINE_HANDSHAKE_TIMEOUT_MS',
    'number of milliseconds',
    100,
  ).meta(
    doc({
      option: 'handshakeTimeoutMs',
      description: 'a TCP connection must complete its HTTP upgrade within this (slowloris)',
    }),
  ),
  SIGHTLINE_MAX_PENDING_UPGRADES: integer(
    'SIGHTLINE_MAX_PENDING_UPGRADES',
    'number of sockets',
    1,
  ).meta(
    doc({
      option: 'maxPendingUpgrades',
      description: 'upgrade requests waiting for admission at once (more: HTTP 503)',
    }),
  ),
  SIGHTLINE_MAX_CLIENT_IDS_PER_CONNECTION: integer(
    'SIGHTLINE_MAX_CLIENT_IDS_PER_CONNECTION',
    'number of client IDs',
    1,
    1000,
  ).meta(
    doc({
      option: 'maxClientIdsPerConnection',
      description: 'awareness client IDs one connection may introduce (more: 1008)',
    }),
  ),
  SIGHTLINE_MAX_SEND_BUFFER_BYTES: integer(
    'SIGHTLINE_MAX_SEND_BUFFER_BYTES',
    'number of bytes',
    1024,
  ).meta(
    doc({
      option: 'maxSendBufferBytes',
      description: 'bytes queued for a slow reader before it is closed (4508)',
    }),
  ),
  SIGHTLINE_ALLOWED_ORIGINS: origins('SIGHTLINE_ALLOWED_ORIGINS').meta(
    doc({
      option: 'allowedOrigins',
      description: 'browser origins allowed to connect, comma-separated (default: any; else 4403)',
    }),
  ),
  SIGHTLINE_REQUIRE_ORIGIN: flag('SIGHTLINE_REQUIRE_ORIGIN').meta(
    doc({
      option: 'requireOrigin',
      description: 'refuse requests without an Origin header (non-browser clients) with 4403',
    }),
  ),
}

/** Every environment variable of the relay. Flags and `--help` are derived from it. */
export const EnvSchema = z.object({
  HOST: text.meta(doc({ option: 'host', description: 'interface to listen on' })),
  PORT: integer('PORT', 'port number', 0, 65_535).meta(
    doc({ option: 'port', description: 'TCP port, 0 = any free port' }),
  ),
  SIGHTLINE_JWT_SECRET: text.meta(
    doc({
      option: 'jwtSecret',
      secret: true,
      description: 'HS256 shared secret the helpdesk signs tokens with (this or a public key)',
    }),
  ),
  SIGHTLINE_JWT_PUBLIC_KEY: text.meta(
    doc({
      option: 'jwtPublicKey',
      description: 'PEM (SPKI) or JWK JSON public key of the helpdesk',
    }),
  ),
  SIGHTLINE_JWT_ALGORITHM: oneOf('SIGHTLINE_JWT_ALGORITHM', JWT_ALGORITHMS).meta(
    doc({
      option: 'jwtAlgorithm',
      description: 'algorithm of the public key, pinned (default: inferred)',
    }),
  ),
  SIGHTLINE_JWT_CLOCK_TOLERANCE_SEC: integer(
    'SIGHTLINE_JWT_CLOCK_TOLERANCE_SEC',
    'number of seconds',
    0,
    300,
  ).meta(
    doc({ option: 'clockToleranceSec', description: 'clock skew allowed on token exp/nbf/iat' }),
  ),
  SIGHTLINE_JWT_MAX_LIFETIME_SEC: integer(
    'SIGHTLINE_JWT_MAX_LIFETIME_SEC',
    'number of seconds',
    60,
    31_536_000,
  ).meta(
    doc({
      option: 'maxTokenLifetimeSec',
      description: 'longest token lifetime accepted, exp - iat (or exp - now); longer: 4401',
    }),
  ),
  SIGHTLINE_PING_INTERVAL_MS: integer(
    'SIGHTLINE_PING_INTERVAL_MS',
    'number of milliseconds',
    100,
  ).meta(doc({ option: 'pingIntervalMs', description: 'silence before one WebSocket ping' })),
  SIGHTLINE_LIVENESS_TIMEOUT_MS: integer(
    'SIGHTLINE_LIVENESS_TIMEOUT_MS',
    'number of milliseconds',
    200,
  ).meta(
    doc({
      option: 'livenessTimeoutMs',
      description: 'silence after which a connection is dropped and its states removed',
    }),
  ),
  SIGHTLINE_REMOVAL_GRACE_MS: integer(
    'SIGHTLINE_REMOVAL_GRACE_MS',
    'number of milliseconds',
    0,
    60_000,
  ).meta(
    doc({
      option: 'removalGraceMs',
      description:
        'states of a connection closed without nulling them stay this long, so a tab that reconnects at once is never seen leaving (0: at once; at most liveness timeout - sweep interval)',
    }),
  ),
  SIGHTLINE_REFRESH_INTERVAL_MS: integer(
    'SIGHTLINE_REFRESH_INTERVAL_MS',
    'number of milliseconds',
    100,
    29_000,
  ).meta(
    doc({
      option: 'refreshIntervalMs',
      description: 'a state not forwarded this long is re-sent with a fresh clock',
    }),
  ),
  SIGHTLINE_SWEEP_INTERVAL_MS: integer(
    'SIGHTLINE_SWEEP_INTERVAL_MS',
    'number of milliseconds',
    10,
    10_000,
  ).meta(doc({ option: 'sweepIntervalMs', description: 'period of the single liveness sweep' })),
  SIGHTLINE_MAX_FRAME_BYTES: integer(
    'SIGHTLINE_MAX_FRAME_BYTES',
    'number of bytes',
    1024,
    64 * 1024 * 1024,
  ).meta(
    doc({ option: 'maxFrameBytes', description: 'largest inbound message (larger: close 4413)' }),
  ),
  SIGHTLINE_LOG_LEVEL: oneOf('SIGHTLINE_LOG_LEVEL', LOG_LEVELS).meta(
    doc({ default: DEFAULT_LOG_LEVEL, description: 'pino log level (JSON lines on stdout)' }),
  ),
  SIGHTLINE_METRICS_HOST: text.meta(
    doc({
      option: 'metricsHost',
      description: 'interface of the separate metrics server (default: HOST)',
    }),
  ),
  SIGHTLINE_METRICS_PORT: integer('SIGHTLINE_METRICS_PORT', 'port number', 0, 65_535).meta(
    doc({
      option: 'metricsPort',
      description: 'serve /metrics on this port only, not on PORT (default: on PORT)',
    }),
  ),
  SIGHTLINE_SHUTDOWN_TIMEOUT_MS: integer(
    'SIGHTLINE_SHUTDOWN_TIMEOUT_MS',
    'number of milliseconds',
    100,
    600_000,
  ).meta(
    doc({
      default: DEFAULT_SHUTDOWN_TIMEOUT_MS,
      description: 'after SIGTERM/SIGINT, exit at the latest this long later',
    }),
  ),
  ...LIMIT_VARIABLES,
  SIGHTLINE_TRUST_PROXY: flag('SIGHTLINE_TRUST_PROXY').meta(
    doc({
      option: 'trustProxy',
      description: 'behind a trusted proxy: log X-Forwarded-For (last entry) and X-Request-Id',
    }),
  ),
  SIGHTLINE_REDIS_URL: text.meta(
    doc({
      option: 'redisUrl',
      description: 'cluster mode: Redis shared by the relay nodes (redis://host:port)',
    }),
  ),
  SIGHTLINE_NODE_ID: text.meta(
    doc({ option: 'nodeId', description: "cluster mode: this node's name (default: host-pid)" }),
  ),
  SIGHTLINE_REDIS_PREFIX: text.meta(
    doc({ option: 'redisPrefix', description: 'cluster mode: prefix of the Redis channels' }),
  ),
  SIGHTLINE_NODE_TIMEOUT_MS: integer(
    'SIGHTLINE_NODE_TIMEOUT_MS',
    'number of milliseconds',
    300,
    60_000,
  ).meta(
    doc({
      option: 'nodeTimeoutMs',
      description: 'cluster mode: a node silent this long is declared down, its tabs removed',
    }),
  ),
})

/** Relations between variables, checked after each variable is valid on its own. */
function checkRelations(o: RelayOptions): void {
  const fail = (message: string) => {
    throw new RelayError(RelayErrorCode.Config, message)
  }
  if (!o.jwtSecret && !o.jwtPublicKey) {
    fail('set SIGHTLINE_JWT_SECRET (HS256 shared secret) or SIGHTLINE_JWT_PUBLIC_KEY (PEM or JWK)')
  }
  if (o.jwtSecret && o.jwtPublicKey) {
    fail('set only one of SIGHTLINE_JWT_SECRET and SIGHTLINE_JWT_PUBLIC_KEY, not both')
  }
  if (o.livenessTimeoutMs <= o.pingIntervalMs + o.sweepIntervalMs) {
    fail(
      `SIGHTLINE_LIVENESS_TIMEOUT_MS (${o.livenessTimeoutMs}) must exceed SIGHTLINE_PING_INTERVAL_MS ` +
        `(${o.pingIntervalMs}) + SIGHTLINE_SWEEP_INTERVAL_MS (${o.sweepIntervalMs})`,
    )
  }
  if (o.refreshIntervalMs + o.sweepIntervalMs >= 30_000) {
    fail(
      `SIGHTLINE_REFRESH_INTERVAL_MS (${o.refreshIntervalMs}) + SIGHTLINE_SWEEP_INTERVAL_MS ` +
        `(${o.sweepIntervalMs}) must stay below 30000 (peers drop states silent for 30 s)`,
    )
  }
}

/**
 * Reads relay options from `env` (e.g. `process.env`). Throws a RelayError with code
 * `config` whose message lists every invalid variable.
 */
export function parseRelayEnv(env: Env): EnvConfig {
  const parsed = EnvSchema.safeParse(env)
  if (!parsed.success) {
    const messages = parsed.error.issues.map((i) => i.message)
    throw new RelayError(RelayErrorCode.Config, messages.join('; '), { cause: parsed.error })
  }
  const e = parsed.data
  const partial: Partial<RelayOptions> = {
    host: e.HOST,
    port: e.PORT,
    jwtSecret: e.SIGHTLINE_JWT_SECRET,
    jwtPublicKey: e.SIGHTLINE_JWT_PUBLIC_KEY,
    jwtAlgorithm: e.SIGHTLINE_JWT_ALGORITHM,
    clockToleranceSec: e.SIGHTLINE_JWT_CLOCK_TOLERANCE_SEC,
    maxTokenLifetimeSec: e.SIGHTLINE_JWT_MAX_LIFETIME_SEC,
    pingIntervalMs: e.SIGHTLINE_PING_INTERVAL_MS,
    livenessTimeoutMs: e.SIGHTLINE_LIVENESS_TIMEOUT_MS,
    removalGraceMs: e.SIGHTLINE_REMOVAL_GRACE_MS,
    refreshIntervalMs: e.SIGHTLINE_REFRESH_INTERVAL_MS,
    sweepIntervalMs: e.SIGHTLINE_SWEEP_INTERVAL_MS,
    maxFrameBytes: e.SIGHTLINE_MAX_FRAME_BYTES,
    metricsHost: e.SIGHTLINE_METRICS_HOST,
    metricsPort: e.SIGHTLINE_METRICS_PORT,
    maxStateBytes: e.SIGHTLINE_MAX_STATE_BYTES,
    messagesPerSecond: e.SIGHTLINE_MESSAGES_PER_SECOND,
    messageBurst: e.SIGHTLINE_MESSAGE_BURST,
    bytesPerSecond: e.SIGHTLINE_BYTES_PER_SECOND,
    maxConnectionsPerRoom: e.SIGHTLINE_MAX_CONNECTIONS_PER_ROOM,
    maxRooms: e.SIGHTLINE_MAX_ROOMS,
    maxConnections: e.SIGHTLINE_MAX_CONNECTIONS,
    maxConnectionsPerSubject: e.SIGHTLINE_MAX_CONNECTIONS_PER_SUBJECT,
    handshakeTimeoutMs: e.SIGHTLINE_HANDSHAKE_TIMEOUT_MS,
    maxPendingUpgrades: e.SIGHTLINE_MAX_PENDING_UPGRADES,
    maxClientIdsPerConnection: e.SIGHTLINE_MAX_CLIENT_IDS_PER_CONNECTION,
    maxSendBufferBytes: e.SIGHTLINE_MAX_SEND_BUFFER_BYTES,
    allowedOrigins: e.SIGHTLINE_ALLOWED_ORIGINS,
    requireOrigin: e.SIGHTLINE_REQUIRE_ORIGIN,
    trustProxy: e.SIGHTLINE_TRUST_PROXY,
    redisUrl: e.SIGHTLINE_REDIS_URL,
    nodeId: e.SIGHTLINE_NODE_ID,
    redisPrefix: e.SIGHTLINE_REDIS_PREFIX,
    nodeTimeoutMs: e.SIGHTLINE_NODE_TIMEOUT_MS,
  }
  const merged = withDefaults(partial)
  checkRelations(merged)
  return {
    options: resolveOptions(merged),
    logLevel: e.SIGHTLINE_LOG_LEVEL ?? DEFAULT_LOG_LEVEL,
    shutdownTimeoutMs: e.SIGHTLINE_SHUTDOWN_TIMEOUT_MS ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
  }
}
