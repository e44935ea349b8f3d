#!/usr/bin/env node
/**
 * Builds apps/agent-desk with its own Vite (`vite build`), from the workspace packages'
 * sources: no package build is needed first. Runs as a script or is imported.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const appDir = fileURLToPath(new URL('../apps/agent-desk/', import.meta.url))

/** Builds the app into apps/agent-desk/dist; throws on failure. */
export function buildApp() {
  const vite = join(appDir, 'node_modules/vite/bin/vite.js')
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: appDir,
    stdio: 'inherit',
  })
  if (result.status !== 0) throw new Error(`vite build failed (exit ${result.status})`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildApp()
