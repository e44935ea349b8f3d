/**
 * Background tabs, with the default intervals of the relay and the app:
 * one agent's page is frozen as Chrome freezes a background tab (hidden, no JS at all, socket
 * open), another's timers are stopped by a paused clock while it stays visible, for 40 s:
 * longer than y-protocols' 30 s expiry, the 15 s renewal and the 10 s liveness timeout. The
 * watcher's avatar of each is recorded at every render; a stock y-websocket provider watches
 * the same room from Node with y-protocols' own expiry running. Nobody may ever drop, neither
 * while frozen nor when the frozen tab resumes (Chromium then closes its socket and the tab
 * reconnects; the relay's removal grace lets it take its state over unseen).
 */

import type { Page } from '@playwright/test'
import { conversationRoom } from '@sightline/protocol'
import { expect, test, viewer } from './fixtures.js'
import { connectionStatus, openSignedIn, signIn } from './support/agents.js'
import {
  type DetachedChromium,
  freeze,
  launchDetachedChromium,
  resume,
} from './support/detached-chromium.js'
import { watchWithStockProvider } from './support/stock-watcher.js'
import { recordAvatar } from './support/viewer-recorder.js'

const FROZEN_FOR_MS = 40_000
/** Relay removal grace (1.5 s) + one sweep (1 s) + slack: any removal would have come. */
const RESUME_SETTLE_MS = 3_500

const detachedTest = test.extend<{ detached: DetachedChromium }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern
  detached: async ({}, use) => {
    const detached = await launchDetachedChromium()
    await use(detached)
    await detached.close()
  },
})

/** Counts the page's own timer ticks: proof that its timers did (not) run. */
async function startTicker(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { __ticks: number }
    w.__ticks = 0
    setInterval(() => w.__ticks++, 100)
  })
  return () => page.evaluate(() => (window as unknown as { __ticks: number }).__ticks)
}

/** Records every status the page's connection shows (read after it resumed). */
async function recordStatuses(page: Page) {
  await page.getByTestId('connection-status').evaluate((el) => {
    const w = window as unknown as { __statuses: string[] }
    w.__statuses = [el.textContent ?? '']
    new MutationObserver(() => w.__statuses.push(el.textContent ?? '')).observe(el, {
      childList: true,
      characterData: true,
      subtree: true,
    })
  })
  return () => page.evaluate(() => (window as unknown as { __statuses: string[] }).__statuses)
}

detachedTest(
  'a frozen hidden tab and a tab with stopped timers stay shown for 40 s, to the app and to a stock y-websocket client',
  async ({ openAgent, conversation, request, detached, browser }) => {
    test.setTimeout(120_000)
    const alice = await openAgent('alice', conversation.path)
    await expect(connectionStatus(alice)).toHaveText('connected')

    // Bob: a real background tab, about to be frozen.
    const bob = await openSignedIn(
      detached.context,
      await signIn(request, 'bob'),
      conversation.path,
    )
    await expect(connectionStatus(bob)).toHaveText('connected')
    // Carol: visible, on a fake clock that will be paused, so none of her timers (heartbeat,
    // renewal, idle) fire. Installed before the app loads, so every timer of the app is on it.
    const carolContext = await browser.newContext()
    await carolContext.clock.install()
    const carol = await openSignedIn(
      carolContext,
      await signIn(request, 'carol'),
      conversation.path,
    )
    await expect(connectionStatus(carol)).toHaveText('connected')

    const erin = await signIn(request, 'erin')
    const room = conversationRoom(conversation.mailboxId, conversation.id)
    const stock = watchWithStockProvider(erin.relayUrl, room, erin.token, 'bob')
    const stockCarol = watchWithStockProvider(erin.relayUrl, room, erin.token, 'carol')
    try {
      await expect(viewer(alice, 'bob')).toBeVisible()
      await expect(viewer(alice, 'carol')).toBeVisible()
      await expect.poll(() => stock.sees('bob') && stockCarol.sees('carol')).toBe(true)
      const bobLog = await recordAvatar(alice, 'bob')
      const carolLog = await recordAvatar(alice, 'carol')

      const bobTicks = await startTicker(bob)
      const bobStatuses = await recordStatuses(bob)
      const carolTicks = await startTicker(carol)
      const carolNow = await carol.evaluate(() => Date.now())
      await carol.clock.pauseAt(carolNow + 50)
      const cdp = await freeze(bob)
      const ticksAtFreeze = await carolTicks()

      // Once hidden, Bob is away for the others (within the 1 s bound of any state change).
      await expect(viewer(alice, 'bob')).toHaveAttribute('data-away', 'true', { timeout: 1_000 })

      // 40 s of real time, sampled every 250 ms from Node as well as in the watcher page.
      const stockSamples: boolean[] = []
      const sampler = setInterval(
        () => stockSamples.push(stock.sees('bob') && stockCarol.sees('carol')),
        250,
      )
      await new Promise((resolve) => setTimeout(resolve, FROZEN_FOR_MS))
      clearInterval(sampler)

      // Everything seen while Bob was frozen, read before he resumes.
      const bobAvatar = await bobLog.read()
      expect(bobAvatar.detached).toBe(false)
      // Sampled through the period (a loaded 2-core machine delays timers: half is plenty; the
      // removal logs below are events, so they miss nothing whatever the sampling rate).
      expect(bobAvatar.samples).toBeGreaterThan(FROZEN_FOR_MS / 250 / 2)
      expect(bobAvatar.changes.map((c) => c.state)).toEqual(['here', 'away'])
      expect(await carolLog.states()).toEqual(['here'])
      expect(stockSamples.length).toBeGreaterThan(FROZEN_FOR_MS / 250 / 2)
      expect(stockSamples.every(Boolean)).toBe(true)
      expect(stock.removals).toEqual([])
      expect(stockCarol.removals).toEqual([])

      // The condition was real: neither page ran a timer meanwhile.
      expect(await carolTicks()).toBeLessThanOrEqual(ticksAtFreeze + 1)
      await resume(cdp)
      expect(await bobTicks()).toBeLessThan(FROZEN_FOR_MS / 100 / 10)

      // Carol kept her socket all along. Chromium closes a resumed frozen page's WebSocket
      // (1001, measured with Chromium 156) and Bob reconnects with the same client ID; the
      // relay keeps his state for its removal grace (1.5 s), so he takes it over unseen.
      // The condition is real: Bob's socket is closed and he reconnects, within 2 s.
      await expect
        .poll(bobStatuses, { timeout: 2_000 })
        .toEqual(['connected', 'reconnecting', 'connected'])
      await expect(connectionStatus(carol)).toHaveText('connected')
      await expect(viewer(bob, 'alice')).toBeVisible({ timeout: 2_000 })
      // Past the grace and one sweep: a removal the takeover failed to prevent would be out.
      await new Promise((resolve) => setTimeout(resolve, RESUME_SETTLE_MS))
      const afterResume = await bobLog.read()
      expect(afterResume.detached).toBe(false)
      expect(afterResume.changes.map((c) => c.state)).toEqual(['here', 'away'])
      expect(await carolLog.states()).toEqual(['here'])
      expect(stock.removals).toEqual([])
      expect(stockCarol.removals).toEqual([])
      expect(stock.sees('bob') && stockCarol.sees('carol')).toBe(true)
    } finally {
      stock.close()
      stockCarol.close()
      await carolContext.close()
    }
  },
)
