/**
 * The one table of the relay's settings. Each row is one environment variable: the
 * `createRelay` option it sets (if any), what it accepts (kind, unit, bounds), its default
 * and one line of meaning. Everything else derives from it, by value or by type: the types of
 * `RelayOptions` and `DEFAULT_OPTIONS` (relay-options.ts, options.ts), `resolveOptions`, the
 * environment (env-config.ts), the command-line flags and `--help` (cli-args.ts) and the
 * generated tables in the docs (config-table.ts). To add a setting, add its row here and the
 * option's meaning (no default, no number: those are here) to `RelayOptions`'s docblocks.
 */
import { LivenessDefaults } from '@sightline/protocol'
import { REDIS_URL_ALLOWED, redisUrlProblem } from '../cluster/redis-url.js'

/** Public-key algorithms the relay accepts; the one in use is pinned, never read from a token. */
export const JWT_ALGORITHMS = Object.freeze(['EdDSA', 'ES256', 'RS256'] as const)
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number]

export const LOG_LEVELS = Object.freeze([
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
] as const)

/**
 * Bytes queued in a connection's send buffer past which it is held (sent nothing new until
 * the buffer drains to half of this, then caught up). Small next to `maxSendBufferBytes`: a
 * reader that does not read costs the relay this much memory, not a backlog of history. Not
 * a setting; it lives here because the description of `SIGHTLINE_MAX_SEND_BUFFER_BYTES`
 * names it (core/connection.ts applies it).
 */
export const HOLD_BUFFER_BYTES = 65_536

export type IntegerKind = {
  readonly type: 'integer'
  readonly unit: string
  readonly min: number
  readonly max?: number
}
export type SettingKind =
  | IntegerKind
  | { readonly type: 'text' }
  | { readonly type: 'flag' }
  | { readonly type: 'oneOf'; readonly values: readonly string[] }
  | { readonly type: 'origins' }
  | { readonly type: 'url'; readonly schemes: readonly string[] }
  | { readonly type: 'redisUrl' }

export interface Setting {
  readonly variable: string
  /** The `createRelay` option it sets; none for the CLI's own (log level, shutdown timeout). */
  readonly option?: string
  readonly kind: SettingKind
  /** Default when unset; none: unset means "off" or "derived" (said in `description`). */
  readonly default?: string | number | boolean
  /** One line: what it does. */
  readonly description: string
  /** Never logged, and discouraged as a flag (visible to other users in `ps`). */
  readonly secret?: boolean
}

const ms = (min: number, max?: number): IntegerKind =>
  max === undefined
    ? { type: 'integer', unit: 'number of milliseconds', min }
    : { type: 'integer', unit: 'number of milliseconds', min, max }
const count = (unit: string, min: number, max?: number): IntegerKind =>
  max === undefined ? { type: 'integer', unit, min } : { type: 'integer', unit, min, max }
const PORT: IntegerKind = { type: 'integer', unit: 'port number', min: 0, max: 65_535 }
const TEXT = { type: 'text' } as const
const FLAG = { type: 'flag' } as const
const KiB = (bytes: number) => `${bytes / 1024} KiB`

export const SETTINGS = Object.freeze([
  {
    variable: 'HOST',
    option: 'host',
    kind: TEXT,
    default: '127.0.0.1',
    description: 'interface to listen on',
  },
  {
    variable: 'PORT',
    option: 'port',
    kind: PORT,
    default: 1234,
    description: 'TCP port, 0 = any free port',
  },
  {
    variable: 'SIGHTLINE_JWT_SECRET',
    option: 'jwtSecret',
    kind: TEXT,
    secret: true,
    description:
      'HS256 shared secret the helpdesk signs tokens with, 32+ bytes (this or a public key)',
  },
  {
    variable: 'SIGHTLINE_JWT_PUBLIC_KEY',
    option: 'jwtPublicKey',
    kind: TEXT,
    description: 'PEM (SPKI) or JWK JSON public key of the helpdesk',
  },
  {
    variable: 'SIGHTLINE_JWT_ALGORITHM',
    option: 'jwtAlgorithm',
    kind: { type: 'oneOf', values: JWT_ALGORITHMS },
    description: 'algorithm of the public key, pinned (default: inferred)',
  },
  {
    variable: 'SIGHTLINE_JWT_CLOCK_TOLERANCE_SEC',
    option: 'clockToleranceSec',
    kind: count('number of seconds', 0, 300),
    default: 5,
    description: 'clock skew allowed on token exp/nbf/iat',
  },
  {
    variable: 'SIGHTLINE_JWT_MAX_LIFETIME_SEC',
    option: 'maxTokenLifetimeSec',
    kind: count('number of seconds', 60, 31_536_000),
    default: 86_400,
    description: 'longest token lifetime accepted, exp - iat (or exp - now); longer: 4401',
  },
  {
    variable: 'SIGHTLINE_PING_INTERVAL_MS',
    option: 'pingIntervalMs',
    kind: ms(100),
    default: LivenessDefaults.pingIntervalMs,
    description: 'silence before one WebSocket ping',
  },
  {
    variable: 'SIGHTLINE_LIVENESS_TIMEOUT_MS',
    option: 'livenessTimeoutMs',
    kind: ms(200),
    default: LivenessDefaults.livenessTimeoutMs,
    description: 'silence after which a connection is dropped and its states removed',
  },
  {
    variable: 'SIGHTLINE_QUIET_AFTER_MS',
    option: 'quietAfterMs',
    kind: ms(1000),
    default: LivenessDefaults.livenessTimeoutMs,
    description:
      'a Sightline client (one that heartbeats) silent this long is held: sent nothing but pings and heartbeat answers, then one catch-up frame when it speaks again (a frozen or throttled tab)',
  },
  {
    variable: 'SIGHTLINE_REMOVAL_GRACE_MS',
    option: 'removalGraceMs',
    kind: ms(0, 60_000),
    default: 1500,
    description:
      'states of a connection closed "going away" (1001) without nulling them stay this long, so a frozen tab that resumes and reconnects at once is never seen leaving (0: at once; at most liveness timeout - sweep interval)',
  },
  {
    variable: 'SIGHTLINE_COALESCE_WINDOW_MS',
    option: 'coalesceWindowMs',
    kind: ms(0, 1000),
    default: 100,
    description:
      'a room of 50+ that forwarded a change less than this long ago holds the next ones and sends each receiver one frame with all of them when the window ends (a busy room of 50 then costs about 500 writes/s; its changes wait up to the window); smaller rooms hold for a share falling with the square of their size (a room of 10: 1/25, of 5: 1/100). 0: never hold',
  },
  {
    variable: 'SIGHTLINE_REFRESH_INTERVAL_MS',
    option: 'refreshIntervalMs',
    kind: ms(100, 29_000),
    default: LivenessDefaults.refreshIntervalMs,
    description: 'a state not forwarded this long is re-sent with a fresh clock',
  },
  {
    variable: 'SIGHTLINE_SWEEP_INTERVAL_MS',
    option: 'sweepIntervalMs',
    kind: ms(10, 10_000),
    default: LivenessDefaults.sweepIntervalMs,
    description: 'period of the single liveness sweep',
  },
  {
    variable: 'SIGHTLINE_MAX_FRAME_BYTES',
    option: 'maxFrameBytes',
    kind: count('number of bytes', 1024, 64 * 1024 * 1024),
    default: 65_536,
    description: 'largest inbound message (larger: close 4413)',
  },
  {
    variable: 'SIGHTLINE_LOG_LEVEL',
    kind: { type: 'oneOf', values: LOG_LEVELS },
    default: 'info',
    description: 'pino log level (JSON lines on stdout)',
  },
  {
    variable: 'SIGHTLINE_METRICS_HOST',
    option: 'metricsHost',
    kind: TEXT,
    description: 'interface of the separate metrics server (default: HOST)',
  },
  {
    variable: 'SIGHTLINE_METRICS_PORT',
    option: 'metricsPort',
    kind: PORT,
    description: 'serve /metrics on this port only, not on PORT (default: on PORT)',
  },
  {
    variable: 'SIGHTLINE_SHUTDOWN_TIMEOUT_MS',
    kind: ms(100, 600_000),
    default: 5000,
    description: 'after SIGTERM/SIGINT, exit at the latest this long later',
  },
  {
    variable: 'SIGHTLINE_MAX_STATE_BYTES',
    option: 'maxStateBytes',
    kind: count('number of bytes', 256),
    default: 2048,
    description:
      'largest awareness state JSON (larger: 4413); a state at every claim length limit fits',
  },
  {
    variable: 'SIGHTLINE_SUBJECT_BYTES_PER_SECOND',
    option: 'subjectBytesPerSecond',
    kind: count('number of bytes', 256),
    default: 4096,
    description:
      "awareness state bytes one agent (token subject) may write per second into one room, all its connections together, with a burst of 4 seconds' worth or 4 of the largest states (more: 4429); the questions it asks (sync step 1, query-awareness, joins) may cost the relay 8 times this in answer bytes (beyond: unanswered)",
  },
  {
    variable: 'SIGHTLINE_MESSAGES_PER_SECOND',
    option: 'messagesPerSecond',
    kind: count('number of messages', 1),
    default: 100,
    description: 'average messages per second per connection (token bucket; more: 4429)',
  },
  {
    variable: 'SIGHTLINE_MESSAGE_BURST',
    option: 'messageBurst',
    kind: count('number of messages', 1),
    default: 200,
    description: 'messages a connection may send at once',
  },
  {
    variable: 'SIGHTLINE_BYTES_PER_SECOND',
    option: 'bytesPerSecond',
    kind: count('number of bytes', 1024),
    default: 65_536,
    description: 'average inbound bytes per second per connection (more: 4429)',
  },
  {
    variable: 'SIGHTLINE_MAX_CONNECTIONS_PER_ROOM',
    option: 'maxConnectionsPerRoom',
    kind: count('number of connections', 1),
    default: 200,
    description: 'connections per room (more: 1013)',
  },
  {
    variable: 'SIGHTLINE_MAX_ROOMS',
    option: 'maxRooms',
    kind: count('number of rooms', 1),
    default: 10_000,
    description: 'rooms held at once (more: 1013)',
  },
  {
    variable: 'SIGHTLINE_MAX_CONNECTIONS',
    option: 'maxConnections',
    kind: count('number of connections', 1),
    default: 20_000,
    description: 'connections held at once (more: 1013)',
  },
  {
    variable: 'SIGHTLINE_MAX_CONNECTIONS_PER_SUBJECT',
    option: 'maxConnectionsPerSubject',
    kind: count('number of connections', 1),
    default: 50,
    description: 'connections per token subject across rooms (more: 4429)',
  },
  {
    variable: 'SIGHTLINE_HANDSHAKE_TIMEOUT_MS',
    option: 'handshakeTimeoutMs',
    kind: ms(100),
    default: 10_000,
    description: 'a TCP connection must complete its HTTP upgrade within this (slowloris)',
  },
  {
    variable: 'SIGHTLINE_MAX_PENDING_UPGRADES',
    option: 'maxPendingUpgrades',
    kind: count('number of sockets', 1),
    default: 10_000,
    description: 'upgrade requests waiting for admission at once (more: HTTP 503)',
  },
  {
    variable: 'SIGHTLINE_MAX_CLIENT_IDS_PER_CONNECTION',
    option: 'maxClientIdsPerConnection',
    kind: count('number of client IDs', 1, 1000),
    default: 4,
    description: 'awareness client IDs one connection may introduce (more: 1008)',
  },
  {
    variable: 'SIGHTLINE_MAX_SEND_BUFFER_BYTES',
    option: 'maxSendBufferBytes',
    kind: count('number of bytes', 1024),
    default: 1_048_576,
    description: `bytes a single catch-up may queue for a reader before it is closed (4508); a reader that does not read is held at ${KiB(HOLD_BUFFER_BYTES)}, not closed`,
  },
  {
    variable: 'SIGHTLINE_ALLOWED_ORIGINS',
    option: 'allowedOrigins',
    kind: { type: 'origins' },
    description: 'browser origins allowed to connect, comma-separated (default: any; else 4403)',
  },
  {
    variable: 'SIGHTLINE_REQUIRE_ORIGIN',
    option: 'requireOrigin',
    kind: FLAG,
    default: false,
    description: 'refuse requests without an Origin header (non-browser clients) with 4403',
  },
  {
    variable: 'SIGHTLINE_TRUST_PROXY',
    option: 'trustProxy',
    kind: FLAG,
    default: false,
    description: 'behind a trusted proxy: log X-Forwarded-For (last entry) and X-Request-Id',
  },
  {
    variable: 'SIGHTLINE_TRANSPORT',
    option: 'transport',
    kind: { type: 'oneOf', values: ['ws', 'uws'] },
    default: 'ws',
    description:
      'socket layer: ws, or uws (uWebSockets.js, installed separately: less memory per connection)',
  },
  {
    variable: 'SIGHTLINE_REDIS_URL',
    option: 'redisUrl',
    kind: { type: 'redisUrl' },
    description: 'cluster mode: the Redis, or Redis Cluster, shared by the relay nodes',
  },
  {
    variable: 'SIGHTLINE_NODE_ID',
    option: 'nodeId',
    kind: TEXT,
    description: "cluster mode: this node's name (default: host-pid)",
  },
  {
    variable: 'SIGHTLINE_REDIS_PREFIX',
    option: 'redisPrefix',
    kind: TEXT,
    default: 'sightline',
    description: 'cluster mode: prefix of the Redis channels',
  },
  {
    variable: 'SIGHTLINE_NODE_TIMEOUT_MS',
    option: 'nodeTimeoutMs',
    kind: ms(300, 60_000),
    default: 3000,
    description: 'cluster mode: a node silent this long is declared down, its tabs removed',
  },
] as const satisfies readonly Setting[])

/** One row of the table, as written (its literal types). */
export type SettingRow = (typeof SETTINGS)[number]
type OptionRow = Extract<SettingRow, { readonly option: string }>
/** The `createRelay` options the table sets. */
export type OptionName = OptionRow['option']
/** The options with a default: always set in resolved options. */
export type DefaultedOption = Extract<OptionRow, { readonly default: unknown }>['option']

/** The type of the values a kind accepts. */
export type ValueOfKind<K> = K extends { readonly type: 'integer' }
  ? number
  : K extends { readonly type: 'flag' }
    ? boolean
    : K extends { readonly type: 'oneOf'; readonly values: readonly (infer V)[] }
      ? V
      : K extends { readonly type: 'origins' }
        ? readonly string[]
        : string

/** Each option's value type, from its row's kind. */
export type OptionValues = { readonly [R in OptionRow as R['option']]: ValueOfKind<R['kind']> }

/** The default of every option that has one, typed by its kind. */
export type OptionDefaults = { readonly [K in DefaultedOption]: OptionValues[K] }

/** Variables whose default is not a value of their kind (none, or the build fails below). */
type MisfitDefault = SettingRow extends infer R
  ? R extends { readonly variable: infer V; readonly kind: infer K; readonly default: infer D }
    ? D extends ValueOfKind<K>
      ? never
      : V
    : never
  : never
const defaultsFitTheirKinds: [MisfitDefault] extends [never] ? true : MisfitDefault = true
void defaultsFitTheirKinds

/** A row's default as the docs and `--help` show it, if it has one. */
export function defaultText(setting: Setting): string | undefined {
  return setting.default === undefined ? undefined : String(setting.default)
}

/** What a setting accepts, in words (for `--help`, errors and the docs). */
export function allowedOf(kind: SettingKind): string | undefined {
  switch (kind.type) {
    case 'integer':
      return kind.max === undefined
        ? `integer ${kind.unit} >= ${kind.min}`
        : `integer ${kind.unit} between ${kind.min} and ${kind.max}`
    case 'oneOf':
      return `one of ${kind.values.join(', ')}`
    case 'flag':
      return 'true or false'
    case 'origins':
      return 'comma-separated origins (scheme://host[:port])'
    case 'url':
      return `a ${kind.schemes.map((s) => `${s}//`).join(' or ')} URL`
    case 'redisUrl':
      return REDIS_URL_ALLOWED
    case 'text':
      return undefined
  }
}

/** The row of `variable`, with its literal types (so `.default` has its own type). */
export function settingNamed<V extends SettingRow['variable']>(
  variable: V,
): Extract<SettingRow, { readonly variable: V }> {
  const row = SETTINGS.find((s) => s.variable === variable)
  if (row === undefined) throw new Error(`no setting ${variable}`)
  return row as Extract<SettingRow, { readonly variable: V }>
}

/** The setting of `option`, if it has one. */
export function settingOf(option: string): Setting | undefined {
  return SETTINGS.find((s) => 'option' in s && s.option === option)
}

/**
 * Reads a variable's text (an empty one counts as unset: undefined). Throws an Error whose
 * message names the variable, says what it allows and what it got.
 */
export function parseSetting(setting: Setting, raw: string | undefined): unknown {
  if (raw === undefined || raw.trim() === '') return undefined
  const value = raw.trim()
  const bad = () => new Error(`${setting.variable} must be ${article(setting.kind)}, got "${raw}"`)
  switch (setting.kind.type) {
    case 'integer': {
      const n = /^\d+$/.test(value) ? Number(value) : Number.NaN
      if (problemOf(setting.kind, n) !== null) throw bad()
      return n
    }
    case 'oneOf':
      if (!setting.kind.values.includes(value)) throw bad()
      return value
    case 'flag': {
      const v = value.toLowerCase()
      if (v === 'true' || v === '1' || v === 'yes') return true
      if (v === 'false' || v === '0' || v === 'no') return false
      throw bad()
    }
    case 'origins': {
      const list = value
        .split(',')
        .map((o) => o.trim())
        .filter((o) => o !== '')
      const wrong = list.filter((o) => normalizeOrigin(o) === null)
      if (wrong.length > 0) {
        throw new Error(
          `${setting.variable} must be a comma-separated list of origins like https://desk.example.com, got "${wrong.join(', ')}"`,
        )
      }
      return list
    }
    case 'url':
      if (problemOf(setting.kind, value) !== null) throw bad()
      return value
    case 'redisUrl': {
      const problem = redisUrlProblem(value)
      if (problem !== null) throw new Error(`${setting.variable} ${problem}`)
      return value
    }
    case 'text':
      return raw
  }
}

/**
 * Why `value` does not fit `kind` (for options given to `createRelay`), or null when it does.
 * The same bounds as the variable's.
 */
export function problemOf(kind: SettingKind, value: unknown): string | null {
  switch (kind.type) {
    case 'integer': {
      const ok =
        typeof value === 'number' &&
        Number.isSafeInteger(value) &&
        value >= kind.min &&
        (kind.max === undefined || value <= kind.max)
      return ok ? null : `must be ${article(kind)}`
    }
    case 'oneOf':
      return kind.values.includes(value as string) ? null : `must be ${article(kind)}`
    case 'flag':
      return typeof value === 'boolean' ? null : 'must be true or false'
    case 'origins': {
      if (!Array.isArray(value)) return 'must be a list of origins'
      const wrong = value.find((o) => typeof o !== 'string' || normalizeOrigin(o) === null)
      return wrong === undefined
        ? null
        : `"${String(wrong)}" is not an origin (scheme://host[:port])`
    }
    case 'url': {
      if (typeof value !== 'string') return `must be ${article(kind)}`
      let url: URL
      try {
        url = new URL(value)
      } catch {
        return `must be ${article(kind)}`
      }
      return kind.schemes.includes(url.protocol) ? null : `must be ${article(kind)}`
    }
    case 'redisUrl':
      return typeof value === 'string' ? redisUrlProblem(value) : `must be ${REDIS_URL_ALLOWED}`
    case 'text':
      return typeof value === 'string' ? null : 'must be a string'
  }
}

function article(kind: SettingKind): string {
  const allowed = allowedOf(kind) ?? 'text'
  return allowed.startsWith('integer') ? `an ${allowed}` : allowed
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
