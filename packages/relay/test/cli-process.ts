/**
 * The relay CLI as its own process, from source through tsx (by absolute URL, so it runs from
 * any working directory): what operators run, for tests of configuration, start-up and
 * signals. Killed after the test if still running.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { onTestFinished } from 'vitest'

export const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
export const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

export interface CliProcess {
  readonly child: ChildProcess
  readonly exited: Promise<number | null>
  stdout(): string
  stderr(): string
  /** stdout and stderr as they came. */
  output(): string
}

/** Runs the CLI with only PATH and `env` in its environment, in `cwd` if given. */
export function runCli(env: Record<string, string> = {}, cwd?: string): CliProcess {
  const child = spawn(process.execPath, ['--conditions=source', '--import', TSX, CLI], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  let output = ''
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString()
    output += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString()
    output += d.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  return { child, exited, stdout: () => stdout, stderr: () => stderr, output: () => output }
}
