#!/usr/bin/env node
/**
 * `sightline-relay`: reads `.env`, the environment and the flags (a flag overrides its
 * variable; see `--help`), starts one relay, and on SIGTERM or SIGINT drains it (every
 * socket closed with 1012, "relay restarting") and exits within SIGHTLINE_SHUTDOWN_TIMEOUT_MS.
 * Logs are pino JSON lines on stdout; the level comes from SIGHTLINE_LOG_LEVEL.
 */
import dotenv from 'dotenv'
import { pino } from 'pino'
import { type CliCommand, helpText, parseCommandLine, redactedOptions } from './cli-args.js'
import { isRelayError } from './errors.js'
import { createRelay } from './relay.js'
import { handleShutdownSignals } from './shutdown.js'
import { relayVersion as version } from './version.js'

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
  const logger = pino({ level: config.logLevel, base: { service: 'sightline-relay' } })
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
    logger.fatal({ err: error }, isRelayError(error) ? error.message : 'relay failed to start')
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
}

void main()
