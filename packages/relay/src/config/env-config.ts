/**
 * The relay's environment variables, read in this one place from the one table of settings
 * (option-table.ts). The CLI loads `.env` first (dotenv) and passes `process.env`; tests pass
 * a plain object. An empty value counts as unset. Every error names the variable and says
 * what is allowed; all invalid variables are reported at once.
 */
import type { LevelWithSilent } from 'pino'
import { RelayError, RelayErrorCode } from '../errors.js'
import { parseSetting, SETTINGS, type Setting, settingNamed } from './option-table.js'
import { type RelayOptions, resolveOptions, withDefaults } from './options.js'

export { LOG_LEVELS } from './option-table.js'

/** What the CLI needs from the environment: relay options plus the log level. */
export interface EnvConfig {
  readonly options: RelayOptions
  /** `SIGHTLINE_LOG_LEVEL` (unset: `DEFAULT_LOG_LEVEL`). */
  readonly logLevel: LevelWithSilent
  /** `SIGHTLINE_SHUTDOWN_TIMEOUT_MS`: bound on the CLI's exit after a signal. */
  readonly shutdownTimeoutMs: number
}

type Env = Readonly<Record<string, string | undefined>>

/**
 * Every environment variable of the relay, in table order: the rows of the settings table
 * themselves (flags, `--help` and the start-up checks read them from here).
 */
export const ENV_VARIABLES: readonly Setting[] = SETTINGS

/** Default of `SIGHTLINE_LOG_LEVEL`. */
export const DEFAULT_LOG_LEVEL: LevelWithSilent = settingNamed('SIGHTLINE_LOG_LEVEL').default
/** Default of `SIGHTLINE_SHUTDOWN_TIMEOUT_MS`: the CLI exits this long after a signal at most. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS: number = settingNamed(
  'SIGHTLINE_SHUTDOWN_TIMEOUT_MS',
).default

/**
 * Reads relay options from `env` (e.g. `process.env`). Throws a RelayError with code
 * `config` whose message lists every invalid variable.
 */
export function parseRelayEnv(env: Env): EnvConfig {
  const values: Record<string, unknown> = {}
  const messages: string[] = []
  for (const setting of SETTINGS) {
    try {
      values[setting.variable] = parseSetting(setting, env[setting.variable])
    } catch (error) {
      messages.push((error as Error).message)
    }
  }
  if (messages.length > 0) throw new RelayError(RelayErrorCode.Config, messages.join('; '))
  const partial: Record<string, unknown> = {}
  for (const s of SETTINGS) if ('option' in s) partial[s.option] = values[s.variable]
  return {
    options: resolveOptions(withDefaults(partial as Partial<RelayOptions>)),
    logLevel: (values['SIGHTLINE_LOG_LEVEL'] as LevelWithSilent | undefined) ?? DEFAULT_LOG_LEVEL,
    shutdownTimeoutMs:
      (values['SIGHTLINE_SHUTDOWN_TIMEOUT_MS'] as number | undefined) ??
      DEFAULT_SHUTDOWN_TIMEOUT_MS,
  }
}
