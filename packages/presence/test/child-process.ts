/**
 * Child processes for tests that kill or stop them (presence clients, the relay CLI), run
 * from TypeScript source through tsx. Killed after the test whatever happened.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { onTestFinished } from 'vitest'

export interface Child {
  readonly process: ChildProcess
  /** Everything it printed so far (stdout and stderr). */
  output(): string
  /** Resolves once it exited. */
  readonly exited: Promise<void>
}

/** Runs `script` (a path relative to the repository root) with `args` and `env`. */
export function runTs(script: string, args: string[], env: Record<string, string> = {}): Child {
  const root = fileURLToPath(new URL('../../..', import.meta.url))
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', script, ...args],
    {
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT')
      child.kill('SIGKILL')
      await exited
    }
  })
  return { process: child, output: () => output, exited }
}
