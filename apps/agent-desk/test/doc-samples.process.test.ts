/**
 * Every code sample in the README, the integration docs and the package READMEs runs: the
 * TypeScript ones type-check with --strict against the workspace packages, the JavaScript ones
 * run in Node against a real relay, the browser ones run in Chromium with the real bundle. A
 * sample that cannot run is marked so, with the reason, in the doc (markers: doc-samples/extract.ts).
 *
 * It lives in the agent desk's tests because the desk depends on every published package and
 * on `jose`, which is what the samples import.
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { defaultPresenceOptions } from '@sightline/presence'
import { CloseCode, CloseReason } from '@sightline/protocol'
import { createRelay } from '@sightline/relay'
import { chromium } from 'playwright-core'
import { describe, expect, it, onTestFinished } from 'vitest'
import { extractSamples, type Sample } from './doc-samples/extract.js'
import { buildBundles, REPO_ROOT, runInNode, samplePage, typecheck } from './doc-samples/run.js'

/** The documents whose samples are checked. */
const DOCS = [
  'docs/releasing.md',
  'README.md',
  'docs/embedding.md',
  'docs/integration.md',
  'packages/presence/README.md',
  'packages/widget/README.md',
]

const SECRET = 'doc-samples-secret-0123456789abcdef'
const CHROMIUM = process.env['SIGHTLINE_CHROMIUM'] ?? '/usr/bin/chromium'

const extracted = DOCS.map((path) =>
  extractSamples(path, readFileSync(join(REPO_ROOT, path), 'utf8')),
)
const samples = extracted.flatMap((e) => e.samples)
const ofKind = (kind: Sample['kind']) => samples.filter((s) => s.kind === kind)
const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8')

/** The widget's bundles, built once for every test that needs them. */
let bundles: Promise<Map<string, string>> | null = null
const widgetBundles = () => {
  bundles ??= buildBundles()
  return bundles
}

async function startRelay(): Promise<string> {
  const relay = await createRelay({ port: 0, jwtSecret: SECRET })
  onTestFinished(() => relay.close())
  return relay.url
}

describe('documentation samples', () => {
  it('every js/ts/tsx/html block is marked: run, or not run with a reason', () => {
    expect(extracted.flatMap((e) => e.unmarked)).toEqual([])
    for (const sample of ofKind('not-run')) expect(sample.reason, sample.where).not.toBe('')
    // The checked docs hold samples of every kind; an extractor that finds none proves nothing.
    expect(ofKind('typecheck').length).toBeGreaterThan(2)
    expect(ofKind('node').length).toBeGreaterThan(0)
    expect(ofKind('browser').length).toBeGreaterThan(0)
  })

  it('the marker check itself: an unmarked block is reported, a reason is kept', () => {
    const doc = [
      '```ts',
      'const x = 1',
      '```',
      '<!-- sample: not run: needs FreeScout -->',
      '```js',
      'fsAddAction()',
      '```',
      '<!-- sample: typecheck',
      'declare const token: string',
      '---',
      'console.log(presence)',
      '-->',
      '```ts',
      'const presence = token',
      '```',
    ].join('\n')
    const { samples: found, unmarked } = extractSamples('x.md', doc)
    expect(unmarked).toEqual(['x.md:1'])
    expect(found.map((s) => [s.where, s.kind, s.reason])).toEqual([
      ['x.md:5', 'not-run', 'needs FreeScout'],
      ['x.md:13', 'typecheck', ''],
    ])
    expect(found[1]).toMatchObject({
      before: 'declare const token: string',
      after: 'console.log(presence)',
      code: 'const presence = token',
    })
  })

  it('TypeScript samples type-check with --strict against the workspace packages', {
    timeout: 120_000,
  }, async () => {
    expect(await typecheck(ofKind('typecheck'))).toEqual([])
  })

  it('JavaScript samples run in Node against a real relay', { timeout: 120_000 }, async () => {
    const url = await startRelay()
    const env = { SIGHTLINE_JWT_SECRET: SECRET, SIGHTLINE_RELAY_URL: url }
    for (const [i, sample] of ofKind('node').entries()) await runInNode(sample, i, env)
  })

  it('browser samples run in Chromium with the real bundles, against a real relay', {
    timeout: 120_000,
  }, async () => {
    const relayUrl = await startRelay()
    const bundles = await widgetBundles()
    const pages = new Map<string, string>()
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname
      const name = path.split('/').at(-1) ?? ''
      const body = pages.get(path) ?? bundles.get(name)
      if (body === undefined) return void res.writeHead(404).end()
      const type = path.endsWith('.js') ? 'text/javascript' : 'text/html'
      res.writeHead(200, { 'content-type': type }).end(body)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu'],
    })
    onTestFinished(() => browser.close())
    const { mintToken } = await tokenMinter()
    for (const [i, sample] of ofKind('browser').entries()) {
      pages.set(`/sample-${i}.html`, samplePage(sample))
      const page = await browser.newPage()
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      // What every sample page may use: the relay and a token for an agent of mailbox 1.
      await page.addInitScript(([url, token]) => Object.assign(window, { relayUrl: url, token }), [
        relayUrl,
        await mintToken('alice'),
      ] as const)
      await page.goto(`${origin}/sample-${i}.html`)
      if (sample.after !== '') {
        await expect
          .poll(() => page.evaluate(sample.after).catch((e: Error) => e.message), {
            message: `${sample.where}: ${sample.after}`,
            timeout: 10_000,
          })
          .toBe(true)
      }
      expect(errors, sample.where).toEqual([])
      await page.close()
    }
  })
})

describe('figures in the docs that come from the code', () => {
  it("the CDN pin is the packages' version", () => {
    const version = (JSON.parse(read('packages/widget/package.json')) as { version: string })
      .version
    const pins = [...read('packages/widget/README.md').matchAll(/@sightline\/widget@([\w.-]+)/g)]
    expect(pins.length).toBeGreaterThan(0)
    for (const [, pin] of pins) expect(pin).toBe(version)
  })

  it("the presence client defaults in the README and integration.md are the code's", () => {
    const readme = read('README.md')
    const integration = read('docs/integration.md')
    for (const [option, value] of Object.entries(defaultPresenceOptions)) {
      expect(readme, `README: ${option}`).toMatch(new RegExp(`\`${option}\` ${value}\\b`))
      expect(integration, `integration.md: ${option}`).toMatch(
        new RegExp(`\\| \`${option}\` \\| ms \\| ${value} \\|`),
      )
    }
  })

  it('every close code the relay sends is in the close code table of integration.md', () => {
    const table = read('docs/integration.md').split('## Close codes')[1] ?? ''
    // 1001 is what a browser sends when its page goes away; the relay closes with 1012.
    const sent = Object.values(CloseCode).filter((code) => code !== CloseCode.GoingAway)
    for (const code of sent) {
      expect(table, `${code} ${CloseReason[code]}`).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'))
    }
  })

  it('the all-in-one bundle size in embedding.md is that of a real build (within 5%)', {
    timeout: 120_000,
  }, async () => {
    const code = (await widgetBundles()).get('sightline.iife.js') ?? ''
    const stated = /about\s+(\d+) kB,\s+(\d+) kB gzipped/.exec(read('docs/embedding.md'))
    expect(stated, 'embedding.md states "about N kB, M kB gzipped"').not.toBeNull()
    const [raw, gzipped] = [Buffer.byteLength(code), gzipSync(code).byteLength].map((b) => b / 1000)
    expect(Math.abs(Number(stated?.[1]) / (raw ?? 1) - 1)).toBeLessThan(0.05)
    expect(Math.abs(Number(stated?.[2]) / (gzipped ?? 1) - 1)).toBeLessThan(0.05)
  })
})

/** HS256 tokens the test relay accepts, minted with jose as the docs' backend does. */
async function tokenMinter() {
  const { SignJWT } = await import('jose')
  const key = new TextEncoder().encode(SECRET)
  return {
    mintToken: (sub: string) =>
      new SignJWT({ name: sub, rooms: ['mailbox/1', 'mailbox/1/*'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(sub)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(key),
  }
}
