/**
 * The CLI as operators run it: environment in, JSON logs out, SIGTERM closes every socket
 * with 1012 and exits 0. Runs the TypeScript source through tsx (no build needed).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'
import { join, presence, TEST_SECRET } from './fixtures.js'

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url))

function startCli(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CLI], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()))
  onTestFinished(() => void child.kill('SIGKILL'))
  return { child, output: () => output }
}

function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)))
}

describe('sightline-relay CLI', () => {
  it('logs its URL, serves, and on SIGTERM closes sockets with 1012 and exits 0', async () => {
    const cli = startCli({
      SIGHTLINE_JWT_SECRET: TEST_SECRET,
      PORT: '0',
      SIGHTLINE_LOG_LEVEL: 'info',
    })
    await expect.poll(() => cli.output(), { timeout: 15_000 }).toContain('relay listening on')
    const line = cli
      .output()
      .split('\n')
      .find((l) => l.includes('relay listening on'))!
    const { url, health } = JSON.parse(line) as { url: string; health: string }
    expect(await (await fetch(health)).text()).toBe('ok')
    const port = Number(new URL(url).port)
    const relay = { url, httpUrl: url.replace('ws', 'http'), port } as Parameters<typeof join>[0]
    const alice = await join(relay, 'mailbox/1/conversation/1', 'alice')
    alice.setState(1, 1, presence('alice'))
    cli.child.kill('SIGTERM')
    expect(await alice.closed()).toBe(1012)
    expect(await exitCode(cli.child)).toBe(0)
    expect(cli.output()).not.toContain('token=')
  })

  it('refuses to start with a message naming the invalid variable', async () => {
    const cli = startCli({
      SIGHTLINE_JWT_SECRET: TEST_SECRET,
      SIGHTLINE_LIVENESS_TIMEOUT_MS: 'soon',
    })
    expect(await exitCode(cli.child)).toBe(2)
    expect(cli.output()).toContain(
      'SIGHTLINE_LIVENESS_TIMEOUT_MS must be an integer number of milliseconds',
    )
  })
})
