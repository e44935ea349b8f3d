/**
 * Installable zips of the FreeScout module, made at test time into a temporary folder (no zip is
 * committed): the previous release, built from git history with that commit's own
 * scripts/build-freescout.mjs, and this tree's, built with this tree's script. Installing is
 * what an admin does: unzip into FreeScout's Modules/ (a newer zip over the older folder).
 */
import { spawnSync } from 'node:child_process'
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  symlinkSync,
} from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
/** The module in this tree (integrations/freescout). */
export const CURRENT_MODULE = join(repoRoot, 'integrations/freescout')

/**
 * The previous release: 0.1.0 as first documented for installation (docs/freescout.md), with
 * the token route at POST /sightline/token and 15-minute tokens.
 */
export const PREVIOUS_RELEASE = {
  version: '0.1.0',
  commit: '7ad73ffd60f7274fe4bcdcd8c67ada63d76c6a0e',
} as const

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 })
  if (result.error) throw result.error
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stderr}`,
    )
  }
  return result.stdout
}

/** The version in a module folder's module.json. */
export function moduleVersion(moduleDir: string): string {
  return (JSON.parse(readFileSync(join(moduleDir, 'module.json'), 'utf8')) as { version: string })
    .version
}

/**
 * The workspace's installed dependencies for an old tree at `tree`: the root node_modules as
 * it is, and each package's node_modules rebuilt with links to the same dependencies, except
 * the workspace's own packages (@sightline/*), which point at the old tree's.
 */
function linkDependencies(tree: string): void {
  symlinkSync(join(repoRoot, 'node_modules'), join(tree, 'node_modules'), 'dir')
  for (const name of readdirSync(join(tree, 'packages'))) {
    const current = join(repoRoot, 'packages', name, 'node_modules')
    if (!existsSync(current)) continue
    const target = join(tree, 'packages', name, 'node_modules')
    mkdirSync(target, { recursive: true })
    for (const entry of readdirSync(current)) {
      if (entry.startsWith('.')) continue
      if (entry === '@sightline') {
        mkdirSync(join(target, entry))
        for (const own of readdirSync(join(current, entry))) {
          symlinkSync(join(tree, 'packages', own), join(target, entry, own), 'dir')
        }
      } else if (lstatSync(join(current, entry)).isSymbolicLink() || entry.startsWith('@')) {
        symlinkSync(realpathSync(join(current, entry)), join(target, entry), 'dir')
      }
    }
  }
}

/**
 * Builds the previous release's zip under `workDir` from its commit: `git archive` of that
 * commit, this checkout's installed dependencies linked in, then that tree's own
 * `scripts/build-freescout.mjs`. Fails, saying what to do, when the commit is not in this
 * clone (a shallow clone: CI must fetch the history).
 */
export function buildPreviousRelease(workDir: string): string {
  const { commit, version } = PREVIOUS_RELEASE
  const known = spawnSync('git', ['cat-file', '-e', `${commit}^{commit}`], { cwd: repoRoot })
  if (known.error || known.status !== 0) {
    throw new Error(
      `The upgrade test builds the previous FreeScout module release (${version}) from commit ${commit}, which this clone does not have (a shallow clone?). Fetch the history first: git fetch --unshallow (in CI: actions/checkout with fetch-depth: 0).`,
    )
  }
  const tree = join(workDir, `sightline-${version}`)
  mkdirSync(tree, { recursive: true })
  const archive = join(workDir, `sightline-${version}.tar`)
  run('git', ['archive', '--format=tar', '-o', archive, commit], repoRoot)
  run('tar', ['-xf', archive, '-C', tree], repoRoot)
  linkDependencies(tree)
  run(process.execPath, ['scripts/build-freescout.mjs'], tree)
  const zip = join(tree, 'integrations/freescout/dist', `Sightline-${version}.zip`)
  if (!existsSync(zip)) throw new Error(`the ${version} build wrote no ${zip}`)
  return zip
}

/**
 * This tree's zip, written under `workDir` by scripts/build-freescout.mjs with the widget bundle
 * the e2e web server built for this run (rebuilding it would rewrite files other tests serve).
 */
export function buildCurrentRelease(workDir: string): string {
  run(
    process.execPath,
    ['scripts/build-freescout.mjs', '--out-dir', workDir, '--no-widget-build'],
    repoRoot,
  )
  const zip = join(workDir, `Sightline-${moduleVersion(CURRENT_MODULE)}.zip`)
  if (!existsSync(zip)) throw new Error(`build-freescout.mjs wrote no ${zip}`)
  return zip
}

/**
 * Unzips `zip` into FreeScout's `modulesDir` as an admin does, over what is there: `unzip -o`,
 * else Python's zipfile (which overwrites too), as scripts/build-freescout.mjs zips.
 */
export function unzipModule(zip: string, modulesDir: string): string {
  mkdirSync(modulesDir, { recursive: true })
  const hasUnzip = spawnSync('sh', ['-c', 'command -v unzip'], { stdio: 'ignore' }).status === 0
  if (hasUnzip) run('unzip', ['-oq', zip, '-d', modulesDir], modulesDir)
  else run('python3', ['-m', 'zipfile', '-e', zip, modulesDir], modulesDir)
  return join(modulesDir, 'Sightline')
}
