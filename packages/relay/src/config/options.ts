/**
 * Relay options: `Partial<RelayOptions>` from the caller over the defaults. Every interval is
 * in milliseconds of monotonic time unless its name says otherwise. Defaults, bounds and the
 * variable of each option come from the one table of settings (option-table.ts).
 */
import { RelayError, RelayErrorCode } from '../errors.js'
import { type OptionDefaults, problemOf, SETTINGS, settingOf } from './option-table.js'
import type { RelayOptions } from './relay-options.js'

export { HOLD_BUFFER_BYTES, normalizeOrigin, type OptionDefaults } from './option-table.js'
export { JWT_ALGORITHMS, type JwtAlgorithm, type RelayOptions } from './relay-options.js'

/**
 * The default of every option that has one, read from the settings table: its type lists
 * exactly those options (`OptionDefaults`, derived from the table's rows).
 */
export const DEFAULT_OPTIONS: OptionDefaults = Object.freeze(
  Object.fromEntries(
    SETTINGS.flatMap((s) =>
      'option' in s && 'default' in s ? [[s.option, s.default] as const] : [],
    ),
  ),
) as OptionDefaults

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
 * Merges `options` over the defaults and checks each against its setting's bounds and the
 * relations between them, so a configuration that could not keep its promises (liveness, the
 * y-protocols timeout) is refused at start. Messages name the variable and the option.
 */
export function resolveOptions(options: Partial<RelayOptions> = {}): RelayOptions {
  const o = withDefaults(options)
  const fail = (message: string) => {
    throw new RelayError(RelayErrorCode.Config, message)
  }
  for (const setting of SETTINGS) {
    if (!('option' in setting)) continue
    const value = o[setting.option]
    if (value === undefined) continue
    const problem = problemOf(setting.kind, value)
    if (problem !== null) {
      fail(`${setting.variable} (${setting.option}) ${problem}, got ${JSON.stringify(value)}`)
    }
  }
  checkRelations(o, fail)
  return Object.freeze(o)
}

/** `VARIABLE (value)`, for relation messages. */
function named(o: RelayOptions, option: keyof RelayOptions & string): string {
  return `${settingOf(option)?.variable ?? option} (${String(o[option])})`
}

/**
 * The rules between settings, in one place (the environment and `createRelay` both come
 * through here).
 */
export function checkRelations(o: RelayOptions, fail: (message: string) => void): void {
  if (!o.jwtSecret && !o.jwtPublicKey) {
    fail('set SIGHTLINE_JWT_SECRET (HS256 shared secret) or SIGHTLINE_JWT_PUBLIC_KEY (PEM or JWK)')
  }
  if (o.jwtSecret && o.jwtPublicKey) {
    fail('set only one of SIGHTLINE_JWT_SECRET and SIGHTLINE_JWT_PUBLIC_KEY, not both')
  }
  if (o.jwtSecret && Buffer.byteLength(o.jwtSecret) < MIN_JWT_SECRET_BYTES) {
    fail(
      `SIGHTLINE_JWT_SECRET (jwtSecret) must be at least ${MIN_JWT_SECRET_BYTES} bytes, got ` +
        `${Buffer.byteLength(o.jwtSecret)}; make one with: openssl rand -hex 32`,
    )
  }
  if (o.livenessTimeoutMs <= o.pingIntervalMs + o.sweepIntervalMs) {
    fail(
      `${named(o, 'livenessTimeoutMs')} must exceed ${named(o, 'pingIntervalMs')} + ` +
        `${named(o, 'sweepIntervalMs')} (time to answer a ping)`,
    )
  }
  if (o.refreshIntervalMs + o.sweepIntervalMs >= AWARENESS_OUTDATED_TIMEOUT_MS) {
    fail(
      `${named(o, 'refreshIntervalMs')} + ${named(o, 'sweepIntervalMs')} must stay below ` +
        `${AWARENESS_OUTDATED_TIMEOUT_MS} (peers drop states silent for ${AWARENESS_OUTDATED_TIMEOUT_MS / 1000} s)`,
    )
  }
  if (o.redisUrl !== undefined && o.nodeTimeoutMs + o.sweepIntervalMs > o.livenessTimeoutMs) {
    fail(
      `${named(o, 'nodeTimeoutMs')} + ${named(o, 'sweepIntervalMs')} must not exceed ` +
        `${named(o, 'livenessTimeoutMs')} (a dead node's tabs must go within the liveness bound)`,
    )
  }
}
