/**
 * Configuration as operators meet it, through the real CLI process:
 * a `.env` file in the working directory sets the intervals (and they take effect), an
 * invalid value of any variable stops the relay at start with a message naming it. (That every
 * variable is documented is config-docs.test.ts's job: the docs' tables are generated.)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { runCli } from './cli-process.js'
import { join, presence, TEST_SECRET, uniqueRoom } from './fixtures.js'

/** Runs the CLI in `cwd` with only PATH and `env` in its environment. */
const runIn = (cwd: string, env: Record<string, string> = {}) => runCli(env, cwd)

/** A fresh working directory holding `dotenv` as its `.env`; removed after the test. */
async function dirWithDotenv(dotenv: string): Promise<string> {
  const dir = await mkdtemp(joinPath(tmpdir(), 'sightline-relay-env-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  await writeFile(joinPath(dir, '.env'), dotenv)
  return dir
}

describe('relay configuration through the CLI', () => {
  it('reads a .env file in its working directory, and its intervals take effect', async () => {
    const cwd = await dirWithDotenv(
      [
        `SIGHTLINE_JWT_SECRET=${TEST_SECRET}`,
        'PORT=0',
        'SIGHTLINE_PING_INTERVAL_MS=200',
        'SIGHTLINE_LIVENESS_TIMEOUT_MS=600',
        'SIGHTLINE_SWEEP_INTERVAL_MS=50',
        '',
      ].join('\n'),
    )
    const cli = runIn(cwd)
    await expect.poll(() => cli.output(), { timeout: 20_000 }).toContain('relay listening on')
    const line = cli
      .output()
      .split('\n')
      .find((l) => l.includes('relay listening on'))!
    const url = (JSON.parse(line) as { url: string }).url
    const relay = { url, httpUrl: url.replace('ws', 'http'), port: Number(new URL(url).port) }
    const room = uniqueRoom()
    const alice = await join(relay as Parameters<typeof join>[0], room, 'alice')
    const bob = await join(relay as Parameters<typeof join>[0], room, 'bob')
    alice.setState(11, 1, presence('alice'))
    await expect.poll(() => bob.live().has(11)).toBe(true)
    // Alice stops answering: with the .env timeout (600 ms, not the 10 s default) she is gone.
    ;(alice.ws as unknown as { _socket: Socket })._socket.pause()
    const cut = performance.now()
    await expect.poll(() => bob.live().has(11), { timeout: 3000, interval: 20 }).toBe(false)
    expect(performance.now() - cut).toBeLessThan(600 + 250)
  }, 30_000)

  it('lets the environment win over .env', async () => {
    const cwd = await dirWithDotenv(`SIGHTLINE_JWT_SECRET=${TEST_SECRET}\nPORT=0\n`)
    const cli = runIn(cwd, { SIGHTLINE_PING_INTERVAL_MS: 'often' })
    expect(await cli.exited).toBe(2)
    expect(cli.output()).toContain('SIGHTLINE_PING_INTERVAL_MS')
  }, 30_000)

  it.each([
    ['PORT', '70000'],
    ['SIGHTLINE_PING_INTERVAL_MS', '5s'],
    ['SIGHTLINE_LIVENESS_TIMEOUT_MS', '-1'],
    ['SIGHTLINE_REFRESH_INTERVAL_MS', '60000'],
    ['SIGHTLINE_SWEEP_INTERVAL_MS', 'soon'],
    ['SIGHTLINE_MAX_FRAME_BYTES', '1e6'],
    ['SIGHTLINE_JWT_CLOCK_TOLERANCE_SEC', '3600'],
    ['SIGHTLINE_LOG_LEVEL', 'loud'],
  ])(
    'refuses %s=%s at start (from .env) with a message naming it',
    async (name, value) => {
      const cwd = await dirWithDotenv(
        `SIGHTLINE_JWT_SECRET=${TEST_SECRET}\nPORT=0\n${name}=${value}\n`,
      )
      const cli = runIn(cwd)
      expect(await cli.exited).toBe(2)
      expect(cli.output()).toMatch(new RegExp(`sightline-relay: .*${name}`))
      expect(cli.output()).not.toContain('relay listening on')
    },
    30_000,
  )
})
