#!/usr/bin/env node
/**
 * `sightline-relay`: reads `.env` and the environment, starts one relay, and on SIGTERM or
 * SIGINT closes every socket with 1012 ("relay restarting") before exiting 0.
 * Logs are pino JSON lines on stdout; the level comes from SIGHTLINE_LOG_LEVEL.
 */
import dotenv from 'dotenv'
import { pino } from 'pino'
import { parseRelayEnv } from './env-config.js'
import { isRelayError } from './errors.js'
import { createRelay } from './relay.js'

async function main(): Promise<void> {
  dotenv.config({ quiet: true })
  let config: ReturnType<typeof parseRelayEnv>
  try {
    config = parseRelayEnv(process.env)
  } catch (error) {
    process.stderr.write(`sightline-relay: ${(error as Error).message}\n`)
    process.exit(2)
  }
  const logger = pino({ level: config.logLevel, base: { service: 'sightline-relay' } })
  let relay: Awaited<ReturnType<typeof createRelay>>
  try {
    relay = await createRelay({ ...config.options, logger })
  } catch (error) {
    logger.fatal({ err: error }, isRelayError(error) ? error.message : 'relay failed to start')
    process.exit(isRelayError(error) ? 2 : 1)
  }
  logger.info(
    { url: relay.url, health: `${relay.httpUrl}/healthz` },
    `relay listening on ${relay.url}`,
  )

  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'closing all connections with 1012')
    relay.close({ code: 1012 }).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error while closing')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

void main()
