#!/usr/bin/env node
/**
 * `pnpm build:freescout`: builds the widget's all-in-one bundle (sightline.iife.js) from source,
 * copies it into the FreeScout module's Public/js/, and writes an installable zip,
 * integrations/freescout/dist/Sightline-<version>.zip, holding one folder `Sightline/` (the
 * module, without its tests) to unzip into FreeScout's Modules/. Uses the `zip` command when
 * present, else Python's zipfile module; no npm dependency.
 *
 *   --out-dir <dir>      write the zip there instead (the e2e upgrade test: a temporary folder)
 *   --no-widget-build    take packages/widget/dist/sightline.iife.js as already built (the e2e
 *                        web server built it for the run; rebuilding would rewrite served files)
 */
import { spawnSync } from 'node:child_process'
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { buildWidget, widgetDir } from './build-app.mjs'

const moduleDir = fileURLToPath(new URL('../integrations/freescout/', import.meta.url))
/** Development files of the module that an installation does not need. */
const EXCLUDED = new Set(['test', 'dist', 'phpunit.xml', 'tsconfig.json', '.phpunit.result.cache'])

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] })
  if (result.error) throw result.error
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`)
}

function hasCommand(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0
}

/**
 * Builds the zip; returns its path. `outDir`: where (default the module's dist/);
 * `widgetBuild: false` uses the widget's dist/ as it is.
 */
export function buildFreescoutModule({
  outDir = join(moduleDir, 'dist'),
  widgetBuild = true,
} = {}) {
  if (widgetBuild) buildWidget()
  const bundle = join(widgetDir, 'dist/sightline.iife.js')
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: build the widget first`)
  copyFileSync(bundle, join(moduleDir, 'Public/js/sightline.iife.js'))

  const { version } = JSON.parse(readFileSync(join(moduleDir, 'module.json'), 'utf8'))
  mkdirSync(outDir, { recursive: true })
  const zipPath = join(outDir, `Sightline-${version}.zip`)
  rmSync(zipPath, { force: true })

  const stage = mkdtempSync(join(tmpdir(), 'sightline-freescout-'))
  try {
    cpSync(moduleDir, join(stage, 'Sightline'), {
      recursive: true,
      filter: (src) => !EXCLUDED.has(relative(moduleDir, src).split(/[\\/]/)[0] ?? ''),
    })
    if (hasCommand('zip')) run('zip', ['-qrX', zipPath, 'Sightline'], stage)
    else if (hasCommand('python3'))
      run('python3', ['-m', 'zipfile', '-c', zipPath, 'Sightline'], stage)
    else throw new Error('build:freescout needs the `zip` command or python3 to write the zip')
  } finally {
    rmSync(stage, { recursive: true, force: true })
  }
  if (!existsSync(zipPath)) throw new Error(`${zipPath} was not written`)
  return zipPath
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { 'out-dir': { type: 'string' }, 'no-widget-build': { type: 'boolean' } },
  })
  const zipPath = buildFreescoutModule({
    ...(values['out-dir'] === undefined ? {} : { outDir: resolve(values['out-dir']) }),
    widgetBuild: !values['no-widget-build'],
  })
  console.log(`FreeScout module: ${relative(process.cwd(), zipPath)}`)
}
