#!/usr/bin/env node
/**
 * Makes sure the system tools the test suite runs for real are here, so that `pnpm test`
 * works on a fresh Debian/Ubuntu machine with only Node.js and npm:
 *
 *   chromium      e2e (Playwright launches the system browser; never a downloaded one)
 *   redis-server  cluster-mode tests (each starts its own on a free loopback port; redis-cli
 *                 builds the Redis Cluster of redis-cluster.process.test.ts)
 *   php, phpunit  the FreeScout module's PHP tests and the PHP-mints/relay-verifies test
 *   nginx         deploy/nginx.conf checked with nginx -t and run in front of a relay
 *   openssl       throwaway certificates for that nginx
 *
 * Missing ones are installed with apt-get when we are root on Debian (CI, a fresh container);
 * otherwise it fails saying what to install. `SIGHTLINE_CHROMIUM` points at another browser.
 *   node scripts/ensure-system-deps.mjs [chromium|redis|php|nginx ...]   (default: all)
 */
import { spawnSync } from 'node:child_process'
import { accessSync, constants, existsSync } from 'node:fs'

const TOOLS = {
  chromium: {
    present: () => executable(process.env.SIGHTLINE_CHROMIUM || '/usr/bin/chromium'),
    packages: ['chromium'],
  },
  redis: {
    present: () => onPath('redis-server') && onPath('redis-cli'),
    packages: ['redis-server', 'redis-tools'],
  },
  php: {
    present: () => onPath('php') && onPath('phpunit'),
    packages: ['php-cli', 'php-xml', 'php-mbstring', 'phpunit'],
  },
  nginx: {
    present: () => onPath('nginx') && onPath('openssl'),
    packages: ['nginx-light', 'openssl'],
  },
}

function executable(file) {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0
}

function fail(message) {
  console.error(`ensure-system-deps: ${message}`)
  process.exit(1)
}

function run(command, args) {
  console.log(`ensure-system-deps: ${command} ${args.join(' ')}`)
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  })
  if (result.status !== 0) fail(`${command} ${args.join(' ')} failed (exit ${result.status})`)
}

const wanted = process.argv.slice(2)
for (const name of wanted) if (!(name in TOOLS)) fail(`unknown tool "${name}"`)
const names = wanted.length > 0 ? wanted : Object.keys(TOOLS)
if (process.env.SIGHTLINE_CHROMIUM && names.includes('chromium') && !TOOLS.chromium.present()) {
  fail(`SIGHTLINE_CHROMIUM=${process.env.SIGHTLINE_CHROMIUM} is not an executable file.`)
}
const missing = names.filter((n) => !TOOLS[n].present())
if (missing.length === 0) process.exit(0)
const packages = missing.flatMap((n) => TOOLS[n].packages)
const isRoot = process.getuid?.() === 0
const isDebian = existsSync('/etc/debian_version') && existsSync('/usr/bin/apt-get')
if (!isRoot || !isDebian) {
  fail(
    `missing ${missing.join(', ')}. Install them (Debian/Ubuntu: sudo apt-get install -y ` +
      `${packages.join(' ')}), or run the tests as root on Debian, which installs them.`,
  )
}
run('apt-get', ['update'])
run('apt-get', ['install', '-y', '--no-install-recommends', ...packages])
const still = missing.filter((n) => !TOOLS[n].present())
if (still.length > 0) fail(`apt-get ran but ${still.join(', ')} is still missing.`)
console.log(`ensure-system-deps: installed ${packages.join(' ')}`)
