#!/usr/bin/env node
/**
 * `pnpm start`: the demo on this machine. Builds the relay (with the packages it needs) and
 * the agent app, makes up a random development secret, and runs a relay and the desk server
 * that trust it. Ctrl-C stops both.
 *
 * `pnpm start:cluster` (`--cluster`): the same with two relay nodes (relay port and the next
 * one) joined through a Redis started here (`redis-server` on the PATH, on a free loopback
 * port, no persistence); each sign-in goes to the next node, as a load balancer would, so two
 * windows usually land on different nodes and still see each other.
 *
 * Env: SIGHTLINE_RELAY_PORT (1234), SIGHTLINE_DESK_PORT (5173), HOST (127.0.0.1); the relay's
 * interval settings (SIGHTLINE_PING_INTERVAL_MS, ...) as documented for `pnpm relay`.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { tsImport } from 'tsx/esm/api'
import { buildApp } from './build-app.mjs'
import { runPnpm } from './run-pnpm.mjs'

function port(name, fallback) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`${name} must be a port number 0-65535, got "${raw}"`)
    process.exit(2)
  }
  return value
}

const relayPort = port('SIGHTLINE_RELAY_PORT', 1234)
const deskPort = port('SIGHTLINE_DESK_PORT', 5173)
const host = process.env.HOST || '127.0.0.1'

const cluster = process.argv.includes('--cluster')

/** A redis-server for the cluster demo on a free loopback port; killed when the demo exits. */
async function startRedis() {
  const probe = createServer().listen(0, '127.0.0.1')
  await new Promise((resolve) => probe.once('listening', resolve))
  const { port } = probe.address()
  await new Promise((resolve) => probe.close(resolve))
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  await new Promise((resolve, reject) => {
    child.once('error', () =>
      reject(new Error('redis-server not found: install it (apt-get install -y redis-server)')),
    )
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      if (out.includes('Ready to accept connections')) resolve()
    })
  })
  process.on('exit', () => child.kill('SIGKILL'))
  return { url: `redis://127.0.0.1:${port}`, child }
}

let redis
if (cluster) {
  try {
    redis = await startRedis()
  } catch (error) {
    console.error(`Could not start the cluster demo: ${error.message}`)
    process.exit(1)
  }
}

console.log('Building the relay and the agent app…')
runPnpm(['--filter', '@sightline/relay...', 'run', 'build'])
buildApp()

// The desk server is TypeScript run through tsx; it loads the relay just built (dist).
const { startDemoStack } = await tsImport(
  '../apps/agent-desk/server/demo-stack.ts',
  import.meta.url,
)
let stack
try {
  stack = await startDemoStack({
    secret: randomBytes(32).toString('base64url'),
    host,
    relayPort,
    deskPort,
    relayEnv: process.env, // SIGHTLINE_PING_INTERVAL_MS and friends, as for `pnpm relay`
    ...(redis ? { nodes: 2, redisUrl: redis.url } : {}),
  })
} catch (error) {
  const inUse = error?.code === 'EADDRINUSE' || error?.cause?.code === 'EADDRINUSE'
  console.error(
    inUse
      ? `A port is already in use (${error.message}). Stop the other process or set ` +
          'SIGHTLINE_RELAY_PORT / SIGHTLINE_DESK_PORT.'
      : `Could not start the demo: ${error?.message ?? error}`,
  )
  process.exit(1)
}

console.log(`
Sightline demo running
  relay       ${stack.relayUrls.join('  ')}${redis ? `  (nodes joined through ${redis.url})` : ''}
  agent desk  ${stack.deskUrl}

Open ${stack.deskUrl} in two windows and sign in as two different agents.
Press Ctrl-C to stop.`)

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) process.exit(1) // a second Ctrl-C does not wait
    stopping = true
    console.log('\nStopping…')
    stack.close().then(
      () => process.exit(0),
      (error) => {
        console.error(error)
        process.exit(1)
      },
    )
  })
}
