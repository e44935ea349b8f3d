/**
 * `npx sightline-relay` as an operator runs it: npm starts the bin through `sh -c`, and a
 * SIGTERM to npm reaches only that shell. The relay must not stay behind, orphaned and serving:
 * its port closes. The bin here execs the CLI from source (exec: the relay is the bin's own
 * process, as with the built `dist/cli.js`), in a project of its own.
 */
import { spawn } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { CLI, TSX } from './cli-process.js'
import { freePort } from './cluster-fixtures.js'
import { TEST_SECRET } from './fixtures.js'

const answers = (url: string) =>
  fetch(url).then(
    (r) => r.ok,
    () => false,
  )

describe('npx sightline-relay', () => {
  it('a SIGTERM to npx stops the relay: its port closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sightline-npx-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(join(dir, 'package.json'), '{"name":"npx-test","version":"1.0.0"}')
    const bin = join(dir, 'node_modules/.bin')
    mkdirSync(bin, { recursive: true })
    const pidFile = join(dir, 'relay.pid')
    writeFileSync(
      join(bin, 'sightline-relay'),
      `#!/bin/sh\necho $$ > '${pidFile}'\nexec '${process.execPath}' --conditions=source --import '${TSX}' '${CLI}' "$@"\n`,
    )
    chmodSync(join(bin, 'sightline-relay'), 0o755)
    const port = await freePort()
    const npx = spawn('npx', ['--no-install', 'sightline-relay'], {
      cwd: dir,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? dir,
        PORT: String(port),
        SIGHTLINE_JWT_SECRET: TEST_SECRET,
        SIGHTLINE_LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    })
    onTestFinished(() => {
      // Whatever the outcome, nothing of this test keeps running.
      npx.kill('SIGKILL')
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL')
      } catch {}
    })
    const healthz = `http://127.0.0.1:${port}/healthz`
    await expect.poll(() => answers(healthz), { timeout: 30_000, interval: 200 }).toBe(true)
    // The relay is not npx's own process: there is a shell between them.
    expect(Number(readFileSync(pidFile, 'utf8'))).not.toBe(npx.pid)

    npx.kill('SIGTERM')
    await expect.poll(() => answers(healthz), { timeout: 10_000, interval: 200 }).toBe(false)
  }, 60_000)
})
