/**
 * The relay's environment variables, read in this one place from the one table of settings
 * (option-table.ts). The CLI loads `.env` first (dotenv) and passes `process.env`; tests pass
 * a plain object. An empty value counts as unset. Every error names the variable and says
 * what is allowed; all invalid variables are reported at once.
 */
import type { LevelWithSilent } from 'pino'
import { RelayError, RelayErrorCode } from '../errors.js'
import { allowedOf, parseSetting, SETTINGS, type Setting } from './option-table.js'
import { type RelayOptions, resolveOptions, withDefaults } from './options.js'

export { LOG_LEVELS } from './option-table.js'

/** What the CLI needs from the environment: relay options plus the log level. */
export interface EnvConfig {
  readonly options: RelayOptions
  /** `SIGHTLINE_LOG_LEVEL`, default `info`. */
  readonly logLevel: LevelWithSilent
  /** `SIGHTLINE_SHUTDOWN_TIMEOUT_MS`: bound on the CLI's exit after a signal. */
  readonly shutdownTimeoutMs: number
}

type Env = Readonly<Record<string, string | undefined>>

/**
 * What `--help`, the flags and the start-up config log know about a variable (its row of the
 * settings table), kept beside its variable in ENV_VARIABLES.
 */
export type VariableDoc = {
  /** One line: what the variable does. */
  readonly description?: string
  /** The relay option it sets; its default is then read from DEFAULT_OPTIONS. */
  readonly option?: keyof RelayOptions
  /** Default for variables that are not relay options. */
  readonly default?: string | number
  /** Values allowed. */
  readonly allowed?: string
  /** Never logged, and discouraged as a flag (visible to other users in `ps`). */
  readonly secret?: boolean
}

function docOf(s: Setting): VariableDoc {
  const d: { -readonly [K in keyof VariableDoc]: VariableDoc[K] } = { description: s.description }
  if (s.option !== undefined) d.option = s.option
  else if (s.default !== undefined) d.default = s.default as string | number
  const allowed = allowedOf(s.kind)
  if (allowed !== undefined) d.allowed = allowed
  if (s.secret) d.secret = true
  return d
}

/** One environment variable: its name and what `--help`, the flags and the config log say of it. */
export interface EnvVariable {
  readonly variable: string
  readonly doc: VariableDoc
}

/** Every environment variable of the relay, in table order. Flags and `--help` derive from it. */
export const ENV_VARIABLES: readonly EnvVariable[] = Object.freeze(
  SETTINGS.map((s) => Object.freeze({ variable: s.variable, doc: docOf(s) })),
)

const cliDefault = (variable: string) => SETTINGS.find((s) => s.variable === variable)?.default

/** Default of `SIGHTLINE_LOG_LEVEL`. */
export const DEFAULT_LOG_LEVEL = cliDefault('SIGHTLINE_LOG_LEVEL') as LevelWithSilent
/** Default of `SIGHTLINE_SHUTDOWN_TIMEOUT_MS`: the CLI exits this long after a signal at most. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = cliDefault('SIGHTLINE_SHUTDOWN_TIMEOUT_MS') as number

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
  for (const s of SETTINGS) if (s.option !== undefined) partial[s.option] = values[s.variable]
  return {
    options: resolveOptions(withDefaults(partial as Partial<RelayOptions>)),
    logLevel: (values['SIGHTLINE_LOG_LEVEL'] as LevelWithSilent | undefined) ?? DEFAULT_LOG_LEVEL,
    shutdownTimeoutMs:
      (values['SIGHTLINE_SHUTDOWN_TIMEOUT_MS'] as number | undefined) ??
      DEFAULT_SHUTDOWN_TIMEOUT_MS,
  }
}
