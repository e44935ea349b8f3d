/**
 * The command line of `sightline-relay`, derived from the settings table: every environment variable
 * has exactly one flag (`SIGHTLINE_PING_INTERVAL_MS` -> `--ping-interval-ms`, `PORT` ->
 * `--port`), and `--help` lists them with the docs of the settings table. Adding a variable
 * to the settings table therefore adds its flag and its help line. The one thing added here is
 * how `--help` groups them (`HELP_GROUPS`: essentials first, tuning last); a variable in no
 * group is listed under "Other settings" (a test keeps that group empty).
 *
 * Flags are turned back into variables and laid over the environment, so validation stays
 * in one place (parseRelayEnv) and a flag overrides its variable.
 */

import { redact } from '../cluster/redis-url.js'
import { isRelayError, RelayError, RelayErrorCode } from '../errors.js'
import { ENV_VARIABLES, type EnvConfig, parseRelayEnv } from './env-config.js'
import { nearestName } from './nearest-name.js'
import { allowedOf, defaultText, type Setting } from './option-table.js'
import type { RelayOptions } from './options.js'

/** Width `--help` is wrapped to. */
export const HELP_WIDTH = 80

/**
 * The sections of `--help`, in order, each naming its variables: what every operator sets
 * first, then access, operations and cluster mode, then the tuning most never touch.
 */
export const HELP_GROUPS: readonly {
  readonly title: string
  readonly variables: readonly string[]
}[] = Object.freeze([
  {
    title: 'Essentials',
    variables: [
      'HOST',
      'PORT',
      'SIGHTLINE_JWT_SECRET',
      'SIGHTLINE_JWT_PUBLIC_KEY',
      'SIGHTLINE_JWT_ALGORITHM',
      'SIGHTLINE_ALLOWED_ORIGINS',
      'SIGHTLINE_TRUST_PROXY',
      'SIGHTLINE_LOG_LEVEL',
    ],
  },
  {
    title: 'Tokens and origins',
    variables: [
      'SIGHTLINE_JWT_CLOCK_TOLERANCE_SEC',
      'SIGHTLINE_JWT_MAX_LIFETIME_SEC',
      'SIGHTLINE_REQUIRE_ORIGIN',
    ],
  },
  {
    title: 'Operations',
    variables: [
      'SIGHTLINE_METRICS_HOST',
      'SIGHTLINE_METRICS_PORT',
      'SIGHTLINE_SHUTDOWN_TIMEOUT_MS',
      'SIGHTLINE_TRANSPORT',
    ],
  },
  {
    title: 'Cluster mode (several relays sharing rooms through Redis)',
    variables: [
      'SIGHTLINE_REDIS_URL',
      'SIGHTLINE_NODE_ID',
      'SIGHTLINE_REDIS_PREFIX',
      'SIGHTLINE_NODE_TIMEOUT_MS',
    ],
  },
  {
    title: 'Tuning: liveness and timing',
    variables: [
      'SIGHTLINE_PING_INTERVAL_MS',
      'SIGHTLINE_LIVENESS_TIMEOUT_MS',
      'SIGHTLINE_QUIET_AFTER_MS',
      'SIGHTLINE_REMOVAL_GRACE_MS',
      'SIGHTLINE_COALESCE_WINDOW_MS',
      'SIGHTLINE_REFRESH_INTERVAL_MS',
      'SIGHTLINE_SWEEP_INTERVAL_MS',
    ],
  },
  {
    title: 'Tuning: limits',
    variables: [
      'SIGHTLINE_MAX_FRAME_BYTES',
      'SIGHTLINE_MAX_STATE_BYTES',
      'SIGHTLINE_SUBJECT_BYTES_PER_SECOND',
      'SIGHTLINE_MESSAGES_PER_SECOND',
      'SIGHTLINE_MESSAGE_BURST',
      'SIGHTLINE_BYTES_PER_SECOND',
      'SIGHTLINE_MAX_CONNECTIONS_PER_ROOM',
      'SIGHTLINE_MAX_ROOMS',
      'SIGHTLINE_MAX_CONNECTIONS',
      'SIGHTLINE_MAX_CONNECTIONS_PER_SUBJECT',
      'SIGHTLINE_HANDSHAKE_TIMEOUT_MS',
      'SIGHTLINE_MAX_PENDING_UPGRADES',
      'SIGHTLINE_MAX_CLIENT_IDS_PER_CONNECTION',
      'SIGHTLINE_MAX_SEND_BUFFER_BYTES',
    ],
  },
])

/** Title of the section holding variables that no group names. */
export const OTHER_GROUP = 'Other settings'

/** One command-line flag: its name and the row of the variable it stands for. */
export interface Flag {
  /** Without the leading dashes, e.g. `ping-interval-ms`. */
  readonly name: string
  readonly variable: string
  readonly setting: Setting
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
  return ENV_VARIABLES.map((setting) => ({
    name: flagName(setting.variable),
    variable: setting.variable,
    setting,
  }))
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
    if (!match || !flag) fail(unknownArgument(arg, [...byName.keys()]))
    let value = match[2]
    if (value === undefined) {
      const next = argv[i + 1]
      if (next === undefined || next.startsWith('--')) {
        fail(`--${flag.name} needs a value${allowedText(flag.setting)}`)
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

/** The `--help` text: grouped, essentials first, wrapped to `HELP_WIDTH` columns. */
export function helpText(version: string): string {
  const lines = [
    `sightline-relay ${version}: the Sightline presence relay (y-websocket, in memory)`,
    '',
    'Usage: sightline-relay [--flag value | --flag=value]...',
    '',
    ...wrap(
      'Every flag has an environment variable (shown under it); a .env file in the working ' +
        'directory is read too. A flag overrides its variable; an empty variable counts as ' +
        'unset. Most deployments set only the essentials.',
      '',
    ),
  ]
  for (const group of helpGroups()) {
    lines.push('', `${group.title}:`)
    for (const f of group.flags) {
      lines.push(`  --${f.name} <value>`)
      const parts = [f.variable, f.setting.description, allowedOf(f.setting.kind)].filter(Boolean)
      const fallback = defaultText(f.setting)
      if (fallback !== undefined) parts.push(`default ${fallback}`)
      if (f.setting.secret)
        parts.push('prefer the variable: flags are visible to other users in ps')
      lines.push(...wrap(parts.join('; '), '      '))
    }
  }
  lines.push(
    '',
    'Other:',
    '  -h, --help       print this help and exit',
    '  -v, --version    print the version and exit',
    '',
    ...wrap(
      'HTTP: GET /healthz (alive), GET /readyz (200 ready; 503 with the reason while ' +
        'draining and, in cluster mode, while the bus is down or another node uses this ' +
        'node id), GET /metrics ' +
        '(Prometheus; on SIGHTLINE_METRICS_PORT when set). Clients connect to ' +
        'ws://HOST:PORT/<room> with the token as the WebSocket subprotocol ' +
        'sightline.token.<jwt> (kept out of proxy logs; docs/integration.md).',
      '',
    ),
    ...wrap(
      'SIGTERM or SIGINT: /readyz turns 503, every socket is closed with 1012 (clients ' +
        'reconnect), and the process exits within SIGHTLINE_SHUTDOWN_TIMEOUT_MS; a second ' +
        'signal exits at once. Exit codes: 0 clean stop, 1 runtime failure, 2 invalid ' +
        'configuration.',
      '',
    ),
    '',
  )
  return lines.join('\n')
}

/** The flags of each `HELP_GROUPS` section, and any flag no group names, in table order. */
export function helpGroups(): { title: string; flags: Flag[] }[] {
  const all = flags()
  const grouped = new Set(HELP_GROUPS.flatMap((g) => g.variables))
  const groups = HELP_GROUPS.map((g) => ({
    title: g.title,
    flags: g.variables.flatMap((v) => all.filter((f) => f.variable === v)),
  }))
  const other = all.filter((f) => !grouped.has(f.variable))
  return other.length === 0 ? groups : [...groups, { title: OTHER_GROUP, flags: other }]
}

/** `text` in lines of at most `HELP_WIDTH` columns, each starting with `indent`. */
function wrap(text: string, indent: string): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/)) {
    if (line !== '' && indent.length + line.length + 1 + word.length > HELP_WIDTH) {
      lines.push(indent + line)
      line = word
    } else {
      line = line === '' ? word : `${line} ${word}`
    }
  }
  if (line !== '') lines.push(indent + line)
  return lines
}

/** "unknown argument", with the nearest flag when one is close: `--prot` -> `--port`. */
function unknownArgument(arg: string, names: readonly string[]): string {
  const typed = /^-{1,2}([A-Za-z0-9_-]+)/.exec(arg)?.[1]
  // A variable's name works too: `--SIGHTLINE_PING_INTERVAL_MS` -> `--ping-interval-ms`.
  const guess = typed === undefined ? null : nearestName(flagName(typed.toUpperCase()), names)
  const hint = guess === null ? '' : ` (did you mean --${guess}?)`
  return `unknown argument "${arg}"${hint}; see sightline-relay --help`
}

/**
 * The resolved options for the start-up log: secrets replaced by `[redacted]` (the variables
 * marked `secret` in the settings table), the logger left out.
 */
export function redactedOptions(options: RelayOptions): Record<string, unknown> {
  const secret = new Set(
    flags().flatMap((f) => (f.setting.secret && f.setting.option ? [f.setting.option] : [])),
  )
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options)) {
    if (key === 'logger' || value === undefined) continue
    if (secret.has(key)) out[key] = '[redacted]'
    // A Redis URL may carry a password (redis://user:password@host).
    else if (key === 'redisUrl' && typeof value === 'string') out[key] = redact(value)
    else out[key] = value
  }
  return out
}

function allowedText(setting: Setting): string {
  const allowed = allowedOf(setting.kind)
  return allowed ? ` (${allowed})` : ''
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
