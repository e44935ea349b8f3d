/**
 * The relay's environment variables, parsed and validated in this one place. The CLI loads
 * `.env` first (dotenv) and passes `process.env`; tests pass a plain object.
 * An empty value counts as unset. Every error names the variable and says what is allowed.
 */
import type { LevelWithSilent } from 'pino'
import { z } from 'zod'
import { RelayError, RelayErrorCode } from './errors.js'
import { JWT_ALGORITHMS, type RelayOptions, resolveOptions, withDefaults } from './options.js'

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
}

const text = z
  .string()
  .optional()
  .transform((raw) => (raw === undefined || raw.trim() === '' ? undefined : raw))

const EnvSchema = z.object({
  HOST: text,
  PORT: integer('PORT', 'port number', 0, 65_535),
  SIGHTLINE_JWT_SECRET: text,
  SIGHTLINE_JWT_PUBLIC_KEY: text,
  SIGHTLINE_JWT_ALGORITHM: oneOf('SIGHTLINE_JWT_ALGORITHM', JWT_ALGORITHMS),
  SIGHTLINE_JWT_CLOCK_TOLERANCE_SEC: integer(
    'SIGHTLINE_JWT_CLOCK_TOLERANCE_SEC',
    'number of seconds',
    0,
    300,
  ),
  SIGHTLINE_PING_INTERVAL_MS: integer('SIGHTLINE_PING_INTERVAL_MS', 'number of milliseconds', 100),
  SIGHTLINE_LIVENESS_TIMEOUT_MS: integer(
    'SIGHTLINE_LIVENESS_TIMEOUT_MS',
    'number of milliseconds',
    200,
  ),
  SIGHTLINE_REFRESH_INTERVAL_MS: integer(
    'SIGHTLINE_REFRESH_INTERVAL_MS',
    'number of milliseconds',
    100,
    29_000,
  ),
  SIGHTLINE_SWEEP_INTERVAL_MS: integer(
    'SIGHTLINE_SWEEP_INTERVAL_MS',
    'number of milliseconds',
    10,
    10_000,
  ),
  SIGHTLINE_MAX_FRAME_BYTES: integer(
    'SIGHTLINE_MAX_FRAME_BYTES',
    'number of bytes',
    1024,
    64 * 1024 * 1024,
  ),
  SIGHTLINE_LOG_LEVEL: oneOf('SIGHTLINE_LOG_LEVEL', LOG_LEVELS),
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
    pingIntervalMs: e.SIGHTLINE_PING_INTERVAL_MS,
    livenessTimeoutMs: e.SIGHTLINE_LIVENESS_TIMEOUT_MS,
    refreshIntervalMs: e.SIGHTLINE_REFRESH_INTERVAL_MS,
    sweepIntervalMs: e.SIGHTLINE_SWEEP_INTERVAL_MS,
    maxFrameBytes: e.SIGHTLINE_MAX_FRAME_BYTES,
  }
  const merged = withDefaults(partial)
  checkRelations(merged)
  return { options: resolveOptions(merged), logLevel: e.SIGHTLINE_LOG_LEVEL ?? 'info' }
}
