/**
 * The CLI as a real process: --help and --version, flags over env, a bad flag, and SIGTERM
 * (readyz 503, 1012 to every client, exit 0 within the shutdown bound).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'
import { ENV_VARIABLES } from '../src/config/env-config.js'
import { join, presence, TEST_SECRET } from './fixtures.js'

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url))

function startCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CLI, ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  onTestFinished(() => void child.kill('SIGKILL'))
  return { child, stdout: () => stdout, stderr: () => stderr }
}

function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)))
}

function logLine(stdout: string, msg: string): Record<string, unknown> {
  const line = stdout.split('\n').find((l) => l.includes(`"msg":"${msg}`))
  if (line === undefined) throw new Error(`no log line "${msg}"`)
  return JSON.parse(line) as Record<string, unknown>
}

describe('sightline-relay command line', () => {
  it('--help lists every variable as a flag and exits 0', async () => {
    const cli = startCli(['--help'])
    expect(await exitCode(cli.child)).toBe(0)
    for (const { variable } of ENV_VARIABLES) expect(cli.stdout()).toContain(variable)
    expect(cli.stdout()).toContain('--ping-interval-ms <value>')
  })

  it('--version prints the package version', async () => {
    const cli = startCli(['--version'])
    expect(await exitCode(cli.child)).toBe(0)
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    expect(cli.stdout().trim()).toBe(pkg.version)
  })

  it('stops with exit 2 naming a bad flag', async () => {
    const cli = startCli(['--liveness-timeout-ms', 'soon'], { SIGHTLINE_JWT_SECRET: TEST_SECRET })
    expect(await exitCode(cli.child)).toBe(2)
    expect(cli.stderr()).toContain(
      '--liveness-timeout-ms (SIGHTLINE_LIVENESS_TIMEOUT_MS) must be an integer number of milliseconds',
    )
  })

  it('takes flags over env, logs its config redacted, and drains on SIGTERM within the bound', async () => {
    const cli = startCli(['--port', '0', '--log-level', 'info', '--shutdown-timeout-ms', '3000'], {
      SIGHTLINE_JWT_SECRET: TEST_SECRET,
      PORT: '1',
      SIGHTLINE_LOG_LEVEL: 'silent',
    })
    // Only visible if --log-level won over SIGHTLINE_LOG_LEVEL=silent, and bound if --port won.
    await expect.poll(() => cli.stdout(), { timeout: 15_000 }).toContain('relay listening on')
    const config = logLine(cli.stdout(), 'config')
    expect(config['config']).toMatchObject({ port: 0, jwtSecret: '[redacted]' })
    expect(config['shutdownTimeoutMs']).toBe(3000)
    expect(cli.stdout()).not.toContain(TEST_SECRET)
    const { url, ready } = logLine(cli.stdout(), 'relay listening on') as {
      url: string
      ready: string
    }
    expect((await fetch(ready)).status).toBe(200)
    const relay = { url, httpUrl: url.replace('ws', 'http'), port: Number(new URL(url).port) }
    const alice = await join(
      relay as Parameters<typeof join>[0],
      'mailbox/1/conversation/1',
      'alice',
    )
    const bob = await join(relay as Parameters<typeof join>[0], 'mailbox/1/conversation/2', 'bob')
    alice.setState(1, 1, presence('alice'))

    const start = performance.now()
    cli.child.kill('SIGTERM')
    expect(await alice.closed()).toBe(1012)
    expect(await bob.closed()).toBe(1012)
    expect(await exitCode(cli.child)).toBe(0)
    expect(performance.now() - start).toBeLessThan(3000)
    expect(cli.stdout()).toContain('"msg":"draining')
    expect(cli.stdout()).toContain('"msg":"stopped"')
  })
})
