/**
 * Setup file of the `fast` vitest project (vitest.config.ts): the plain `*.test.ts` files run
 * in process, so anything that would listen on or connect a real socket, or start a child
 * process, throws here instead, with the rule to follow. A relay, a desk server, redis, PHP or
 * a browser all need one of those, so starting them fails the same way.
 *
 * The throw reaches the caller; code that swallows it (a client that retries on error) would
 * pass or hang instead, so every attempt is also recorded and fails the test in `afterEach`
 * (unless the test already failed with the throw).
 */
import childProcess, { ChildProcess } from 'node:child_process'
import dgram from 'node:dgram'
import { syncBuiltinESMExports } from 'node:module'
import net from 'node:net'
import { afterEach } from 'vitest'

export const IN_PROCESS_RULE =
  'in-process tests must not open sockets or processes: name the file *.integration.test.ts ' +
  'or *.process.test.ts — see CONTRIBUTING'

const attempts: string[] = []

function refuse(what: string): never {
  const message = `${what}: ${IN_PROCESS_RULE}`
  attempts.push(message)
  throw new Error(message)
}

/** Replaces `owner[key]` with a function that refuses, naming what was attempted. */
function forbid(owner: object, key: string, what: string): void {
  Object.defineProperty(owner, key, {
    configurable: true,
    writable: true,
    value: function forbidden(): never {
      return refuse(what)
    },
  })
}

forbid(net.Server.prototype, 'listen', 'listening on a socket (net.Server.listen)')
forbid(net.Socket.prototype, 'connect', 'connecting a socket (net.Socket.connect)')
forbid(dgram.Socket.prototype, 'bind', 'binding a UDP socket (dgram.Socket.bind)')
// Every asynchronous child_process function goes through ChildProcess#spawn; the synchronous
// ones do not, so they are replaced one by one (and the ESM named exports re-synced).
forbid(ChildProcess.prototype, 'spawn', 'starting a child process (child_process)')
for (const name of ['spawnSync', 'execSync', 'execFileSync'] as const) {
  forbid(childProcess, name, `starting a child process (child_process.${name})`)
}
syncBuiltinESMExports()

afterEach(({ task }) => {
  const seen = attempts.splice(0)
  if (seen.length === 0) return
  const reported = task.result?.errors?.some((e) => e.message?.includes(IN_PROCESS_RULE))
  if (reported) return
  throw new Error(`${seen[0]}${seen.length > 1 ? ` (and ${seen.length - 1} more attempts)` : ''}`)
})
