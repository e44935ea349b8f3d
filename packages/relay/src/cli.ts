#!/usr/bin/env node
/**
 * `sightline-relay`: reads `.env`, the environment and the flags (a flag overrides its
 * variable; see `--help`), starts one relay, and on SIGTERM or SIGINT drains it (every
 * socket closed with 1012, "relay restarting") and exits within SIGHTLINE_SHUTDOWN_TIMEOUT_MS.
 * Logs are pino JSON lines on stdout; the level comes from SIGHTLINE_LOG_LEVEL. A stdout
 * reader that stops reading or goes away costs log lines, never the relay or its exit.
 */
import dotenv from 'dotenv'
import { pino } from 'pino'
import { type CliCommand, helpText, parseCommandLine, redactedOptions } from './config/cli-args.js'
import { ENV_VARIABLES } from './config/env-config.js'
import { describeStartError, exposureWarnings, unknownVariables } from './config/startup-checks.js'
import { isRelayError } from './errors.js'
import { createLogDestination } from './ops/log-destination.js'
import { handleShutdownSignals } from './ops/shutdown.js'
import { relayVersion as version } from './ops/version.js'
import { createRelay } from './relay.js'

async function main(): Promise<void> {
  dotenv.config({ quiet: true })
  let command: CliCommand
  try {
    command = parseCommandLine(process.argv.slice(2), process.env)
  } catch (error) {
    process.stderr.write(`sightline-relay: ${(error as Error).message}\n`)
    process.exit(2)
  }
  if (command.kind === 'help') return void process.stdout.write(helpText(version()))
  if (command.kind === 'version') return void process.stdout.write(`${version()}\n`)
  const { config } = command
  // Mistakes an operator would want to hear of before the first agent connects.
  for (const { name, suggestion } of unknownVariables(
    process.env,
    ENV_VARIABLES.map((v) => v.variable),
  )) {
    warn(`unknown variable ${name} is ignored${suggestion ? ` (did you mean ${suggestion}?)` : ''}`)
  }
  for (const warning of exposureWarnings(config.options)) warn(warning)
  // Never pino's default (synchronous) stdout: a full pipe would block the event loop, and
  // with it the shutdown timer (see ops/log-destination.ts).
  const logger = pino(
    { level: config.logLevel, base: { service: 'sightline-relay' } },
    createLogDestination(),
  )
  logger.info(
    {
      version: version(),
      config: redactedOptions(config.options),
      shutdownTimeoutMs: config.shutdownTimeoutMs,
    },
    'config',
  )
  let relay: Awaited<ReturnType<typeof createRelay>>
  try {
    relay = await createRelay({ ...config.options, logger })
  } catch (error) {
    // One line on stderr, as for every start-up error, worded as what to do.
    const line = isRelayError(error)
      ? error.message
      : (describeStartError(error, config.options) ?? `failed to start: ${String(error)}`)
    process.stderr.write(`sightline-relay: ${line}\n`)
    process.exit(isRelayError(error) ? 2 : 1)
  }
  logger.info(
    {
      url: relay.url,
      health: `${relay.httpUrl}/healthz`,
      ready: `${relay.httpUrl}/readyz`,
      metrics: `${relay.metricsUrl}/metrics`,
    },
    `relay listening on ${relay.url}`,
  )
  handleShutdownSignals({
    relay,
    log: logger,
    timeoutMs: config.shutdownTimeoutMs,
    exit: (code) => process.exit(code),
  })
  stopWhenOrphaned()
}

/** How often a relay started by a package manager checks that its parent is still there. */
const PARENT_CHECK_MS = 500

/**
 * `npx sightline-relay`, `npm exec` and `npm start` run the relay through `sh -c`; a SIGTERM
 * to npm reaches that shell, which dies without passing it on, and the relay would serve on as
 * an orphan. So a relay started by a package manager (npm sets npm_lifecycle_event) drains
 * as on SIGTERM once its parent is gone. Started directly (systemd, Docker, `node
 * dist/cli.js`), a detached relay is left alone.
 */
function stopWhenOrphaned(): void {
  if (process.env['npm_lifecycle_event'] === undefined) return
  const parent = process.ppid
  const timer = setInterval(() => {
    if (process.ppid === parent) return
    clearInterval(timer)
    process.kill(process.pid, 'SIGTERM')
  }, PARENT_CHECK_MS)
  timer.unref()
}

function warn(text: string): void {
  process.stderr.write(`sightline-relay: warning: ${text}\n`)
}

void main()
