/**
 * Runs relay and desk server together in one process (used by the e2e config):
 *
 *   SIGHTLINE_JWT_SECRET=... node --conditions=source --import tsx apps/agent-desk/server/stack-cli.ts
 *
 * Env: HOST (127.0.0.1), SIGHTLINE_RELAY_PORT (1234), SIGHTLINE_DESK_PORT (5173),
 * SIGHTLINE_JWT_SECRET (required), SIGHTLINE_STATIC_DIR (apps/agent-desk/dist).
 * Relay intervals keep the relay's defaults.
 */
import { startDemoStack } from './demo-stack.js'
import { readOptional, readPort, readRequired } from './env.js'

const env = process.env
const stack = await startDemoStack({
  secret: readRequired(env, 'SIGHTLINE_JWT_SECRET', 'the HS256 secret relay and desk share'),
  host: readOptional(env, 'HOST') ?? '127.0.0.1',
  relayPort: readPort(env, 'SIGHTLINE_RELAY_PORT', 1234),
  deskPort: readPort(env, 'SIGHTLINE_DESK_PORT', 5173),
  ...(readOptional(env, 'SIGHTLINE_STATIC_DIR') ? { staticDir: env['SIGHTLINE_STATIC_DIR'] } : {}),
})
console.log(`relay ${stack.relayUrl}, agent-desk ${stack.deskUrl}`)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stack.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}
