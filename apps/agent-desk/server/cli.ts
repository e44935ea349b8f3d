/**
 * Runs the desk server alone, next to a relay started elsewhere:
 *
 *   SIGHTLINE_JWT_SECRET=... npx tsx apps/agent-desk/server/cli.ts
 *
 * Env: HOST (127.0.0.1), PORT (5173), SIGHTLINE_JWT_SECRET (required, the relay's),
 * SIGHTLINE_RELAY_URL (ws://127.0.0.1:1234), SIGHTLINE_STATIC_DIR (apps/agent-desk/dist).
 */
import { readOptional, readPort, readRequired } from './env.js'
import { createDeskServer, deskServerDefaults } from './index.js'

const env = process.env
const desk = await createDeskServer({
  host: readOptional(env, 'HOST') ?? deskServerDefaults.host,
  port: readPort(env, 'PORT', deskServerDefaults.port),
  secret: readRequired(env, 'SIGHTLINE_JWT_SECRET', 'the HS256 secret the relay verifies'),
  relayUrl: readOptional(env, 'SIGHTLINE_RELAY_URL') ?? deskServerDefaults.relayUrl,
  staticDir: readOptional(env, 'SIGHTLINE_STATIC_DIR') ?? deskServerDefaults.staticDir,
})
console.log(`agent-desk listening on ${desk.url}`)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    desk.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}
