/**
 * The published packages as a stranger gets them: build, `pnpm pack` each package, install the
 * tarballs with npm into an empty project outside the repository (no workspace, no
 * `node_modules` above it), then use them only through what was installed. This is the test
 * that catches a file missing from `files`, a wrong `exports` entry, a declaration that does
 * not resolve, or a dependency that only resolved inside the workspace.
 *
 * Heavy on purpose and the only test of its kind: the build, pack and install run once in
 * beforeAll (about a minute; npm fetches the third-party dependencies from the registry).
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { extname, join, normalize, sep } from 'node:path'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PNPM, repoRoot, requireTool, run } from './support/commands.js'
import { type RelayCli, startRelayCli } from './support/relay-cli.js'

const PACKAGES = ['protocol', 'presence', 'relay', 'widget'] as const
const SECRET = 'packed-install-test-secret-0123456789abcdef'
const CHROMIUM = process.env['SIGHTLINE_CHROMIUM'] || '/usr/bin/chromium'

const relayVersion = (
  JSON.parse(readFileSync(join(repoRoot, 'packages/relay/package.json'), 'utf8')) as {
    version: string
  }
).version

let work = ''
let app = ''
const tarballs: { name: string; file: string; bytes: number }[] = []

beforeAll(async () => {
  requireTool('npm', 'Node.js ships npm; use a Node.js 20+ installation that includes it')
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: run node scripts/ensure-system-deps.mjs chromium`)
  }
  work = mkdtempSync(join(tmpdir(), 'sightline-packed-'))
  const packs = join(work, 'tarballs')
  app = join(work, 'app')

  // What a release builds (docs/releasing.md), then one tarball per package.
  await run(
    PNPM[0],
    [
      ...PNPM.slice(1),
      '--filter',
      '@sightline/relay...',
      '--filter',
      '@sightline/widget...',
      'run',
      'build',
    ],
    { cwd: repoRoot },
  )
  for (const name of PACKAGES) {
    await run(PNPM[0], [...PNPM.slice(1), 'pack', '--pack-destination', packs], {
      cwd: join(repoRoot, 'packages', name),
    })
  }
  for (const file of readdirSync(packs)) {
    const bytes = readFileSync(join(packs, file)).byteLength
    tarballs.push({ name: file, file: join(packs, file), bytes })
  }
  expect(tarballs.map((t) => t.name).sort()).toEqual(
    PACKAGES.map((p) => `sightline-${p}-${relayVersion}.tgz`).sort(),
  )
  console.info(
    `tarballs: ${tarballs.map((t) => `${t.name} ${(t.bytes / 1024).toFixed(1)} KiB`).join(', ')}`,
  )

  // An empty consumer project; everything it uses comes from the tarballs or the registry.
  rmSync(app, { recursive: true, force: true })
  mkdirSync(app)
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }),
  )
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      ...tarballs.map((t) => t.file),
      // What a consumer adds itself: a WebSocket for Node 20, a JWT library, Node's types.
      'ws@^8',
      'jose@^6',
      '@types/node@^20',
    ],
    { cwd: app },
  )
}, 300_000)

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true })
})

/** Starts the installed relay bin on a free port and stops it when the test ends. */
async function startInstalledRelay(onTeardown: (stop: () => Promise<void>) => void) {
  const relay: RelayCli = await startRelayCli({
    command: join(app, 'node_modules/.bin/sightline-relay'),
    args: [],
    cwd: app,
    env: { SIGHTLINE_JWT_SECRET: SECRET, SIGHTLINE_LOG_LEVEL: 'info' },
  })
  onTeardown(async () => {
    await relay.stop()
  })
  return relay
}

describe('packages installed from their tarballs with npm', () => {
  it('npx sightline-relay --version prints the package version', async () => {
    const { stdout } = await run('npx', ['--no-install', 'sightline-relay', '--version'], {
      cwd: app,
    })
    expect(stdout.trim()).toBe(relayVersion)
  })

  it('the installed relay starts and answers /healthz', async ({ onTestFinished }) => {
    const relay = await startInstalledRelay(onTestFinished)
    const res = await fetch(`${relay.httpUrl}/healthz`)
    expect(res.status).toBe(200)
    expect((await res.text()).trim()).toBe('ok')
  })

  it('a plain Node ESM script imports @sightline/presence and joins a room', async ({
    onTestFinished,
  }) => {
    const relay = await startInstalledRelay(onTestFinished)
    writeFileSync(join(app, 'join.mjs'), JOIN_SCRIPT)
    const { stdout } = await run('node', ['join.mjs', relay.url, SECRET], { cwd: app })
    expect(JSON.parse(stdout.trim())).toEqual({ aliceSees: ['bob'], bobSees: ['alice'] })
  })

  it('a TypeScript consumer type-checks against the installed declarations', async () => {
    writeFileSync(join(app, 'consumer.ts'), CONSUMER_TS)
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG, null, 2))
    await run(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: app })
  })

  it('the widget bundles load in Chromium from the installed package', async ({
    onTestFinished,
  }) => {
    const server = await serveDirectory(app)
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const { port } = server.address() as AddressInfo
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu'],
    })
    onTestFinished(() => browser.close())
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(`http://127.0.0.1:${port}/page.html`)
    // The IIFE (classic script) and the ES module, as a page loads them from a CDN.
    await expect
      .poll(() =>
        page.evaluate(() => typeof (window as { SightlineWidget?: unknown }).SightlineWidget),
      )
      .toBe('object')
    const viewer = page.locator('#iife [data-testid="viewer"]')
    await expect.poll(() => viewer.getAttribute('data-user-id')).toBe('bob')
    await expect
      .poll(() => page.evaluate(() => (window as { esmLoaded?: boolean }).esmLoaded))
      .toBe(true)
    expect(errors).toEqual([])
  })
})

/** Serves `root/node_modules/<pkg>/<path>` at `/npm/<pkg>/<path>` (as a package CDN does). */
function serveDirectory(root: string): Promise<Server> {
  const types: Record<string, string> = {
    '.js': 'text/javascript',
    '.map': 'application/json',
    '.html': 'text/html',
  }
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path === '/page.html') {
      res.writeHead(200, { 'content-type': 'text/html' })
      return void res.end(WIDGET_PAGE)
    }
    const modules = join(root, 'node_modules')
    const file = normalize(join(modules, path.replace(/^\/npm\//, '')))
    if (!path.startsWith('/npm/') || !file.startsWith(modules + sep) || !existsSync(file)) {
      res.writeHead(404)
      return void res.end()
    }
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' })
    res.end(readFileSync(file))
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

const WIDGET_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>widget from the package</title>
<script src="/npm/@sightline/widget/dist/sightline-widget.iife.js"></script>
<script type="module">
  // Self-contained: no bare specifier for the browser to resolve. (The IIFE above registered
  // the elements first; registering again is a no-op.)
  import { SightlineViewers } from '/npm/@sightline/widget/dist/sightline-widget.js'
  window.esmLoaded = typeof SightlineViewers === 'function'
</script>
</head><body>
<sightline-viewers id="iife"></sightline-viewers>
<script>
  document.getElementById('iife').viewers = [
    { user: { id: 'bob', name: 'Bob Example' }, activity: 'viewing', away: false, since: Date.now(), tabs: 1 },
  ]
</script>
</body></html>
`

/** Two agents join one conversation through the installed client and see each other. */
const JOIN_SCRIPT = `
import { createPresence } from '@sightline/presence'
import { conversationRoom } from '@sightline/protocol'
import { SignJWT } from 'jose'
import WebSocket from 'ws'

const [url, secret] = process.argv.slice(2)
const room = conversationRoom(1, 42)
const token = (sub) =>
  new SignJWT({ name: sub, rooms: ['mailbox/1/*'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(secret))

const join = async (sub) => createPresence({ url, room, token: await token(sub), WebSocket })
const sees = (client, id) =>
  new Promise((resolve) => {
    const off = client.subscribe((others) => {
      if (others.some((v) => v.user.id === id)) {
        queueMicrotask(() => off())
        resolve(others.map((v) => v.user.id))
      }
    })
  })

const timer = setTimeout(() => {
  console.error('the two clients did not see each other within 10 s')
  process.exit(1)
}, 10_000)
const alice = await join('alice')
const bob = await join('bob')
const [aliceSees, bobSees] = await Promise.all([sees(alice, 'bob'), sees(bob, 'alice')])
clearTimeout(timer)
alice.destroy()
bob.destroy()
console.log(JSON.stringify({ aliceSees, bobSees }))
`

/** Uses each package's public types as an application would. */
const CONSUMER_TS = `
import { type PresenceState, CloseCode, conversationRoom, roomUrl } from '@sightline/protocol'
import { createPresence, type PresenceClient, type Viewer } from '@sightline/presence'
import { createRelay, type RelayHandle, type RelayOptions } from '@sightline/relay'
import { SightlineViewers, type ViewersSource, formatDuration } from '@sightline/widget'

const options: Partial<RelayOptions> = { port: 0, jwtSecret: 'x'.repeat(32) }
export async function start(): Promise<RelayHandle> {
  const relay = await createRelay(options)
  const url: string = relay.url
  void url
  return relay
}

const room: string = conversationRoom(1, 42)
export const link: string = roomUrl('ws://127.0.0.1:1234', room, 'token')
export const badToken: number = CloseCode.BadToken
export const state: PresenceState = {
  user: { id: 'alice', name: 'Alice' },
  activity: 'viewing',
  away: false,
  since: 0,
}

export function bind(element: SightlineViewers, token: string): PresenceClient {
  const client = createPresence({ url: 'ws://127.0.0.1:1234', room, token })
  const source: ViewersSource = client
  element.client = source
  client.subscribe((others: readonly Viewer[]) => {
    element.viewers = [...others]
  })
  return client
}
export const label: string = formatDuration(20_000)
`

const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023', 'DOM', 'DOM.Iterable'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    // The packages' own declarations are checked too; third-party ones are their authors'.
    skipLibCheck: false,
    types: ['node'],
  },
  files: ['consumer.ts'],
}
