import { describe, expect, it } from 'vitest'
import {
  flagName,
  flags,
  HELP_GROUPS,
  HELP_WIDTH,
  helpGroups,
  helpText,
  OTHER_GROUP,
  parseCommandLine,
  redactedOptions,
} from '../src/config/cli-args.js'
import { ENV_VARIABLES } from '../src/config/env-config.js'
import { isRelayError } from '../src/errors.js'

const SECRET = { SIGHTLINE_JWT_SECRET: 'x'.repeat(32) }

function run(argv: string[], env: Record<string, string> = SECRET) {
  const command = parseCommandLine(argv, env)
  if (command.kind !== 'run') throw new Error(`expected run, got ${command.kind}`)
  return command.config
}

function errorOf(argv: string[], env: Record<string, string> = SECRET): string {
  try {
    parseCommandLine(argv, env)
  } catch (error) {
    expect(isRelayError(error, 'config')).toBe(true)
    return (error as Error).message
  }
  throw new Error('expected parseCommandLine to throw')
}

/** A flag's entry in --help: its description lines, unwrapped into one. */
function entry(help: string, flag: string): string {
  const lines = help.split('\n')
  const at = lines.indexOf(`  --${flag} <value>`)
  expect(at, `--${flag} in --help`).toBeGreaterThan(-1)
  const body: string[] = []
  for (const line of lines.slice(at + 1)) {
    if (!line.startsWith('      ')) break
    body.push(line.trim())
  }
  return body.join(' ')
}

describe('command line', () => {
  it('has one flag per environment variable, and --help lists each with its variable', () => {
    const variables = ENV_VARIABLES.map((v) => v.variable)
    expect(variables.length).toBeGreaterThan(10)
    expect(flags().map((f) => f.variable)).toEqual(variables)
    const help = helpText('9.9.9')
    for (const variable of variables) {
      expect(entry(help, flagName(variable))).toMatch(new RegExp(`^${variable};`))
    }
    expect(help).toContain('-h, --help')
    expect(help).toContain('--version')
  })

  it('derives flag names from variable names', () => {
    expect(flagName('PORT')).toBe('port')
    expect(flagName('SIGHTLINE_PING_INTERVAL_MS')).toBe('ping-interval-ms')
    expect(new Set(flags().map((f) => f.name)).size).toBe(flags().length)
  })

  it('shows each documented default and what is allowed', () => {
    const help = helpText('1.0.0')
    expect(entry(help, 'port')).toMatch(/^PORT; TCP port.*between 0 and 65535; default 1234$/)
    expect(entry(help, 'ping-interval-ms')).toMatch(/default 7500$/)
    expect(entry(help, 'log-level')).toMatch(/one of fatal, error.*default info$/)
    expect(entry(help, 'shutdown-timeout-ms')).toMatch(/default 5000$/)
    expect(entry(help, 'jwt-secret')).toMatch(/visible to other users/)
  })

  it('groups --help, essentials first, every variable in exactly one group', () => {
    const named = HELP_GROUPS.flatMap((g) => g.variables)
    expect([...named].sort()).toEqual(ENV_VARIABLES.map((v) => v.variable).sort())
    expect(helpGroups().map((g) => g.title)).not.toContain(OTHER_GROUP)
    const help = helpText('1.0.0')
    const titles = help.split('\n').filter((l) => /^\S.*:$/.test(l))
    expect(titles).toEqual([...HELP_GROUPS.map((g) => `${g.title}:`), 'Other:'])
    expect(titles[0]).toBe('Essentials:')
    const essentials = help.slice(
      help.indexOf('Essentials:'),
      help.indexOf('\n\n', help.indexOf('Essentials:')),
    )
    for (const flag of ['host', 'port', 'jwt-secret', 'allowed-origins']) {
      expect(essentials).toContain(`--${flag} <value>`)
    }
    expect(essentials).not.toContain('--ping-interval-ms')
  })

  it('wraps --help to 80 columns and shows no token in a URL', () => {
    const help = helpText('10.20.30')
    const long = help.split('\n').filter((line) => line.length > HELP_WIDTH)
    expect(long).toEqual([])
    expect(help).not.toContain('?token=')
    expect(help).toContain('sightline.token.<jwt>')
  })

  it('answers --help, -h, --version and -v before reading the configuration', () => {
    expect(parseCommandLine(['--help'], {}).kind).toBe('help')
    expect(parseCommandLine(['--port', '1', '-h'], {}).kind).toBe('help')
    expect(parseCommandLine(['--version'], {}).kind).toBe('version')
    expect(parseCommandLine(['-v'], {}).kind).toBe('version')
  })

  it('lets a flag override its variable, in both spellings', () => {
    const env = { ...SECRET, PORT: '1000', SIGHTLINE_PING_INTERVAL_MS: '2000', HOST: '::1' }
    const config = run(['--port', '2000', '--ping-interval-ms=3000', '--log-level', 'warn'], env)
    expect(config.options.port).toBe(2000)
    expect(config.options.pingIntervalMs).toBe(3000)
    expect(config.options.host).toBe('::1')
    expect(config.logLevel).toBe('warn')
    expect(run([], env).options.port).toBe(1000)
  })

  it('reads the operations settings from flags too', () => {
    const config = run([
      '--metrics-port',
      '9100',
      '--metrics-host',
      '127.0.0.2',
      '--shutdown-timeout-ms',
      '800',
    ])
    expect(config.options.metricsPort).toBe(9100)
    expect(config.options.metricsHost).toBe('127.0.0.2')
    expect(config.shutdownTimeoutMs).toBe(800)
    expect(run([]).shutdownTimeoutMs).toBe(5000)
  })

  it('names the flag and what it allows when its value is invalid', () => {
    expect(errorOf(['--ping-interval-ms', 'soon'])).toBe(
      '--ping-interval-ms (SIGHTLINE_PING_INTERVAL_MS) must be an integer number of milliseconds >= 100, got "soon"',
    )
    expect(errorOf(['--port=99999'])).toContain('--port (PORT) must be an integer port number')
    // A variable that is wrong is still named as a variable.
    expect(errorOf([], { ...SECRET, SIGHTLINE_METRICS_PORT: 'x' })).toMatch(
      /^SIGHTLINE_METRICS_PORT must be an integer port number/,
    )
  })

  it('refuses unknown arguments and flags without a value', () => {
    expect(errorOf(['--prot', '1'])).toBe(
      'unknown argument "--prot" (did you mean --port?); see sightline-relay --help',
    )
    expect(errorOf(['--jwt-secert=x'])).toContain('(did you mean --jwt-secret?)')
    expect(errorOf(['--ping-interval', '1'])).toContain('(did you mean --ping-interval-ms?)')
    // A variable's name in place of the flag's.
    expect(errorOf(['--SIGHTLINE_MAX_ROOMS', '1'])).toContain('(did you mean --max-rooms?)')
    // Nothing near: no guess.
    expect(errorOf(['--colour', '1'])).toBe(
      'unknown argument "--colour"; see sightline-relay --help',
    )
    expect(errorOf(['serve'])).toBe('unknown argument "serve"; see sightline-relay --help')
    expect(errorOf(['--port'])).toBe(
      '--port needs a value (integer port number between 0 and 65535)',
    )
    expect(errorOf(['--port', '--host', 'x'])).toContain('--port needs a value')
  })

  it('names flags in errors about relations between settings', () => {
    expect(errorOf(['--ping-interval-ms', '9500'])).toContain(
      'must exceed --ping-interval-ms (SIGHTLINE_PING_INTERVAL_MS) (9500)',
    )
  })

  it('redacts the secret in the configuration it logs', () => {
    const logged = redactedOptions(
      run(['--jwt-secret', 'top-secret-value-1234567890-abcdef']).options,
    )
    expect(logged['jwtSecret']).toBe('[redacted]')
    expect(JSON.stringify(logged)).not.toContain('top-secret')
    expect(logged['pingIntervalMs']).toBe(7500)
  })

  it('redacts the password of the Redis URL in the configuration it logs', () => {
    for (const url of [
      'redis://relay:hunter2-pass@127.0.0.1:6379',
      'redis-cluster://:hunter2-pass@10.0.0.1:7000,10.0.0.2:7000',
    ]) {
      const logged = redactedOptions(
        run(['--jwt-secret', 'top-secret-value-1234567890-abcdef', '--redis-url', url]).options,
      )
      expect(JSON.stringify(logged)).not.toContain('hunter2')
      expect(logged['redisUrl']).toContain('***@')
    }
  })
})
