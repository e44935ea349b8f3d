/**
 * A presence client in a process of its own, for tests that kill or stop the process:
 *
 *   node --conditions=source --import tsx presence-child.ts <relayUrl> <room> <token> [fast]
 *
 * Prints `status <s>` on every status change. `fast` uses the short test intervals.
 */
import WS from 'ws'
import { createPresence } from '../src/index.js'

const [url, room, token, mode] = process.argv.slice(2)
if (url === undefined || room === undefined || token === undefined) {
  process.stderr.write('usage: presence-child.ts <relayUrl> <room> <token> [fast]\n')
  process.exit(2)
}
const fast =
  mode === 'fast'
    ? {
        heartbeatIntervalMs: 200,
        livenessTimeoutMs: 600,
        reconnectMinDelayMs: 50,
        reconnectMaxDelayMs: 300,
      }
    : {}
const client = createPresence({ url, room, token, WebSocket: WS, environment: null, ...fast })
client.onStatus((status) => process.stdout.write(`status ${status}\n`))
