/**
 * A Chromium that Playwright attaches to without its default page overrides, so a page can
 * really be hidden and frozen.
 *
 * Why: Playwright turns on focus emulation for every page it creates, and Chromium keeps such
 * a page "visible" (it counts as captured), so `Page.setWebLifecycleState` 'frozen' neither
 * hides it nor stops its timers. A browser started here and attached with `connectOverCDP`
 * and `noDefaults` leaves its first context alone: freezing then hides the page, fires
 * `freeze`, and stops every timer while the network stack keeps the WebSocket open and keeps
 * answering pings, exactly like a background tab Chrome froze.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type Browser,
  type BrowserContext,
  type CDPSession,
  chromium,
  type Page,
} from '@playwright/test'

export interface DetachedChromium {
  readonly browser: Browser
  /** The browser's own first context: pages made here carry no Playwright emulation. */
  readonly context: BrowserContext
  close(): Promise<void>
}

const executable = () => process.env['SIGHTLINE_CHROMIUM'] ?? '/usr/bin/chromium'

/** Starts headless Chromium on a free loopback debugging port and attaches to it. */
export async function launchDetachedChromium(): Promise<DetachedChromium> {
  const profile = await mkdtemp(join(tmpdir(), 'sightline-detached-'))
  const child = spawn(
    executable(),
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--remote-debugging-address=127.0.0.1',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    { stdio: 'ignore' },
  )
  const cleanup = async () => {
    child.kill('SIGKILL')
    await rm(profile, { recursive: true, force: true }).catch(() => {})
  }
  try {
    const port = await debuggingPort(profile)
    // `noDefaults` is accepted by the protocol but not yet in the public option types.
    const options = { noDefaults: true } as unknown as Parameters<typeof chromium.connectOverCDP>[0]
    const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`, options)
    const context = browser.contexts()[0]
    if (context === undefined) throw new Error('detached Chromium has no default context')
    return {
      browser,
      context,
      async close() {
        await browser.close().catch(() => {})
        await cleanup()
      },
    }
  } catch (error) {
    await cleanup()
    throw error
  }
}

/** Chromium writes the port it picked into `DevToolsActivePort` in the profile. */
async function debuggingPort(profile: string): Promise<number> {
  const file = join(profile, 'DevToolsActivePort')
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    const text = await readFile(file, 'utf8').catch(() => '')
    const port = Number(text.split('\n')[0])
    if (Number.isInteger(port) && port > 0) return port
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('detached Chromium did not report a debugging port within 20 s')
}

/** Freezes `page` as Chrome freezes a background tab: hidden first, then no JS at all. */
export async function freeze(page: Page): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Page.setWebLifecycleState', { state: 'frozen' })
  return cdp
}

/** Lets a frozen page run again (it stays hidden, as a resumed background tab is). */
export async function resume(cdp: CDPSession): Promise<void> {
  await cdp.send('Page.setWebLifecycleState', { state: 'active' })
}
