/**
 * The command line of `sightline-relay`, derived from ENV_VARIABLES: every environment variable
 * has exactly one flag (`SIGHTLINE_PING_INTERVAL_MS` -> `--ping-interval-ms`, `PORT` ->
 * `--port`), and `--help` lists them with the docs of the settings table. Adding a variable
 * to the settings table therefore adds its flag and its help line; nothing here lists variables.
 *
 * Flags are turned back into variables and laid over the environment, so validation stays
 * in one place (parseRelayEnv) and a flag overrides its variable.
 */

import { isRelayError, RelayError, RelayErrorCode } from '../errors.js'
import { ENV_VARIABLES, type EnvConfig, parseRelayEnv, type VariableDoc } from './env-config.js'
import { DEFAULT_OPTIONS, type RelayOptions } from './options.js'

/** One command-line flag and the environment variable it stands for. */
export interface Flag {
  /** Without the leading dashes, e.g. `ping-interval-ms`. */
  readonly name: string
  readonly variable: string
  readonly doc: VariableDoc
}

/** What the command line asks for. */
export type CliCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'run'; readonly config: EnvConfig }

type Env = Readonly<Record<string, string | undefined>>

/** `SIGHTLINE_PING_INTERVAL_MS` -> `ping-interval-ms`. */
export function flagName(variable: string): string {
  return variable
    .replace(/^SIGHTLINE_/, '')
    .toLowerCase()
    .replaceAll('_', '-')
}

/** Every flag, in table order. */
export function flags(): readonly Flag[] {
  return ENV_VARIABLES.map(({ variable, doc }) => ({ name: flagName(variable), variable, doc }))
}

/**
 * Reads `argv` (without node and the script) over `env`. Throws RelayError `config` naming
 * the flag or variable at fault and what it allows.
 */
export function parseCommandLine(argv: readonly string[], env: Env): CliCommand {
  const byName = new Map(flags().map((f) => [f.name, f]))
  const fromFlags: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '-h' || arg === '--help') return { kind: 'help' }
    if (arg === '--version' || arg === '-v') return { kind: 'version' }
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg)
    const flag = match ? byName.get(match[1]!) : undefined
    if (!match || !flag) fail(`unknown argument "${arg}"; see sightline-relay --help`)
    let value = match[2]
    if (value === undefined) {
      const next = argv[i + 1]
      if (next === undefined || next.startsWith('--')) {
        fail(`--${flag.name} needs a value${allowedText(flag.doc)}`)
      }
      value = next
      i++
    }
    fromFlags[flag.variable] = value
  }
  try {
    return { kind: 'run', config: parseRelayEnv({ ...env, ...fromFlags }) }
  } catch (error) {
    if (!isRelayError(error, RelayErrorCode.Config)) throw error
    throw new RelayError(RelayErrorCode.Config, nameFlags(error.message, fromFlags), {
      cause: error,
    })
  }
}

/** The `--help` text. */
export function helpText(version: string): string {
  const lines = [
    `sightline-relay ${version}: the Sightline presence relay (y-websocket protocol, in memory)`,
    '',
    'Usage: sightline-relay [--flag value | --flag=value]...',
    '',
    'Every flag has an environment variable (shown after it); a .env file in the working',
    'directory is read too. A flag overrides its variable; an empty variable counts as unset.',
    '',
    'Options:',
  ]
  for (const f of flags()) {
    lines.push(row(`--${f.name} <value>`, f.variable))
    const parts = [f.doc.description, f.doc.allowed].filter(Boolean)
    const fallback = defaultOf(f.doc)
    if (fallback !== undefined) parts.push(`default ${fallback}`)
    if (f.doc.secret) parts.push('prefer the variable: flags are visible to other users in ps')
    if (parts.length > 0) lines.push(`      ${parts.join('; ')}`)
  }
  lines.push(
    row('-h, --help', 'print this help and exit'),
    row('-v, --version', 'print the version and exit'),
    '',
    'HTTP: GET /healthz (alive), GET /readyz (200 ready, 503 draining), GET /metrics',
    '(Prometheus; on SIGHTLINE_METRICS_PORT when set). Clients: ws://HOST:PORT/<room>?token=<jwt>.',
    'SIGTERM or SIGINT: /readyz turns 503, every socket is closed with 1012 (clients reconnect),',
    'and the process exits within SIGHTLINE_SHUTDOWN_TIMEOUT_MS; a second signal exits at once.',
    'Exit codes: 0 clean stop, 1 runtime failure, 2 invalid configuration.',
    '',
  )
  return lines.join('\n')
}

/**
 * The resolved options for the start-up log: secrets replaced by `[redacted]` (the variables
 * marked `secret` in the settings table), the logger left out.
 */
export function redactedOptions(options: RelayOptions): Record<string, unknown> {
  const secret = new Set(
    flags().flatMap((f) => (f.doc.secret && f.doc.option ? [f.doc.option] : [])),
  )
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options)) {
    if (key === 'logger' || value === undefined) continue
    out[key] = secret.has(key as keyof RelayOptions) ? '[redacted]' : value
  }
  return out
}

/** A help line: flag column, then the variable or what the flag does. */
function row(left: string, right: string): string {
  return `  ${left.padEnd(40)} ${right}`
}

/** The default shown for a variable: its own, or its relay option's in DEFAULT_OPTIONS. */
export function defaultOf(doc: VariableDoc): string | number | undefined {
  if (doc.default !== undefined) return doc.default
  if (doc.option === undefined) return undefined
  const value = DEFAULT_OPTIONS[doc.option]
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : undefined
}

function allowedText(doc: VariableDoc): string {
  return doc.allowed ? ` (${doc.allowed})` : ''
}

/** Rewrites `NAME` to `--flag (NAME)` for every variable that came from a flag. */
function nameFlags(message: string, fromFlags: Record<string, string>): string {
  let out = message
  for (const variable of Object.keys(fromFlags)) {
    out = out.replace(new RegExp(`\\b${variable}\\b`, 'g'), `--${flagName(variable)} (${variable})`)
  }
  return out
}

function fail(message: string): never {
  throw new RelayError(RelayErrorCode.Config, message)
}
