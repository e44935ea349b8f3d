#!/usr/bin/env node
/**
 * Makes sure the Chromium the e2e tests use exists: `SIGHTLINE_CHROMIUM`, else the Debian
 * package's /usr/bin/chromium. When it is missing and we are root on Debian (CI), installs
 * the `chromium` package with apt-get; otherwise fails with what to do. Never downloads a
 * browser through Playwright.
 */
import { spawnSync } from 'node:child_process'
import { accessSync, constants, existsSync } from 'node:fs'

const DEFAULT_PATH = '/usr/bin/chromium'
const custom = process.env.SIGHTLINE_CHROMIUM
const path = custom || DEFAULT_PATH

function executable(file) {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function fail(message) {
  console.error(`ensure-chromium: ${message}`)
  process.exit(1)
}

function run(command, args) {
  console.log(`ensure-chromium: ${command} ${args.join(' ')}`)
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  })
  if (result.status !== 0) fail(`${command} ${args.join(' ')} failed (exit ${result.status})`)
}

if (executable(path)) {
  console.log(`ensure-chromium: using ${path}`)
  process.exit(0)
}
if (custom) fail(`SIGHTLINE_CHROMIUM=${custom} is not an executable file.`)

const isRoot = process.getuid?.() === 0
const isDebian = existsSync('/etc/debian_version') && existsSync('/usr/bin/apt-get')
if (!isRoot || !isDebian) {
  fail(
    `no Chromium at ${DEFAULT_PATH}. Install it (Debian/Ubuntu: sudo apt-get install -y chromium) ` +
      'or point SIGHTLINE_CHROMIUM at a Chromium or Chrome binary.',
  )
}
run('apt-get', ['update'])
run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'])
if (!executable(path)) fail(`apt-get installed chromium but ${path} is still missing.`)
console.log(`ensure-chromium: installed ${path}`)
