/**
 * Running the tools an operator or a release manager runs (pnpm, npm, tsc, nginx) from a
 * test: a failure throws with the command line and everything it printed, so a CI log says
 * what went wrong without a rerun.
 */
import { spawn } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))

/** The pnpm the README pins, through npx as the README runs it. */
export const PNPM = ['npx', '-y', 'pnpm@12.4.2'] as const

export interface RunOptions {
  readonly cwd: string
  /** Replaces the inherited environment's entries (NODE_OPTIONS is always dropped). */
  readonly env?: Record<string, string | undefined>
}

export interface RunResult {
  readonly stdout: string
  readonly stderr: string
}

/**
 * The environment of a child that must behave as outside this repository: no NODE_OPTIONS
 * (the e2e run sets `--conditions=source`, which would resolve an installed package to its
 * TypeScript sources instead of its built JavaScript).
 */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra }
  delete env['NODE_OPTIONS']
  for (const key of Object.keys(env)) {
    // pnpm/npm pass their own config down to scripts; a nested npm must use its defaults.
    if (key.startsWith('npm_')) delete env[key]
  }
  return env
}

/** Runs `command args` and resolves with its output; rejects with the output on failure. */
export function run(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: cleanEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.once('error', reject)
    child.once('close', (code, signal) => {
      if (code === 0) return resolve({ stdout, stderr })
      const line = [command, ...args].join(' ')
      reject(
        new Error(
          `\`${line}\` in ${options.cwd} failed (${signal ?? `exit ${code}`})\n` +
            `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
        ),
      )
    })
  })
}

/** The absolute path of `name` on PATH, or null. */
export function which(name: string): string | null {
  // Debian keeps nginx in /usr/sbin, which a non-root PATH may lack.
  for (const dir of [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/sbin']) {
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not in this directory
    }
  }
  return null
}

/** `which(name)`, or an error telling how to install what is missing (tests fail, not skip). */
export function requireTool(name: string, install: string): string {
  const found = which(name)
  if (found === null) throw new Error(`${name} is not on PATH; install it: ${install}`)
  return found
}

/**
 * Resolves once `check()` resolves true, checking every 50 ms; rejects after `timeoutMs` with
 * `describe()`'s text. For hooks, where vitest's expect.poll is not available.
 */
export async function until(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(describe())
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
