/**
 * Runs pnpm from a script, whether or not `pnpm` is on PATH: the pnpm that launched us
 * (`npm_execpath`) when there is one, else the version pinned in the root package.json
 * through npx.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'

const root = new URL('..', import.meta.url)

function pnpmCommand() {
  const execPath = process.env.npm_execpath
  if (execPath && basename(execPath).startsWith('pnpm')) {
    return /\.[cm]?js$/.test(execPath) ? [process.execPath, [execPath]] : [execPath, []]
  }
  const { packageManager } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'))
  return ['npx', ['-y', packageManager]]
}

/** Runs `pnpm ...args` in the repository root with inherited stdio; throws on failure. */
export function runPnpm(args) {
  const [command, prefix] = pnpmCommand()
  const result = spawnSync(command, [...prefix, ...args], { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) {
    throw new Error(
      `pnpm ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`,
    )
  }
}
