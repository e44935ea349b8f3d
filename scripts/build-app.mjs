#!/usr/bin/env node
/**
 * Builds what the demo and the e2e tests serve, each with its package's own Vite and from the
 * workspace packages' sources (no package build first): apps/agent-desk, and the widget's
 * bundles (sightline-widget.* and the all-in-one sightline.* for script-tag embedding).
 * Runs as a script or is imported.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const appDir = fileURLToPath(new URL('../apps/agent-desk/', import.meta.url))
export const widgetDir = fileURLToPath(new URL('../packages/widget/', import.meta.url))

/** Runs `vite build ...args` in `dir` with that package's Vite; throws on failure. */
function viteBuild(dir, args = []) {
  const vite = join(dir, 'node_modules/vite/bin/vite.js')
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn', ...args], {
    cwd: dir,
    stdio: 'inherit',
  })
  if (result.status !== 0) throw new Error(`vite build in ${dir} failed (exit ${result.status})`)
}

/** Builds the app into apps/agent-desk/dist. */
export function buildApp() {
  viteBuild(appDir)
}

/** Builds the widget bundles into packages/widget/dist (the embed one after the plain one). */
export function buildWidget() {
  viteBuild(widgetDir)
  viteBuild(widgetDir, ['--mode', 'embed'])
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildApp()
  buildWidget()
}
