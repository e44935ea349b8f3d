/**
 * The FreeScout module's binding script (integrations/freescout/Public/js/sightline-freescout.js)
 * on pages that reproduce FreeScout 1.8.235's conversation and mailbox list markup (ids, classes,
 * data attributes, CSRF meta tag, CSP, focus behaviour), served by a loopback stand-in of the
 * helpdesk, with the real relay (its CLI, in its own process), real tokens and two or three
 * agents in real Chromium. The FreeScout bug it fixes: with focus taking turns, one agent
 * vanished from the other's viewers after 58 s and the other after 178 s.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, expect, type Page, test } from '@playwright/test'
import { AGENTS, type Agent, type Helpdesk, startHelpdesk } from './freescout/helpdesk.js'
import {
  buildCurrentRelease,
  buildPreviousRelease,
  CURRENT_MODULE,
  moduleVersion,
  PREVIOUS_RELEASE,
  unzipModule,
} from './freescout/releases.js'
import { startTlsProxy } from './freescout/tls-proxy.js'
import {
  emulateWindows,
  freescoutFlashFrames,
  setWindowState,
  viewerLog,
  type WindowState,
} from './freescout/window-focus.js'
import { freePort, type RelayProcess, startRelayProcess } from './support/relay-process.js'

const SECRET = 'sightline-freescout-e2e-secret-0123456789'
const [ann, bob, cid, dee, wei] = AGENTS as [Agent, Agent, Agent, Agent, Agent]
const FOCUSED: WindowState = { focused: true, hidden: false }
/** Side by side, the other window has the focus (FreeScout then stops reporting the viewer). */
const UNFOCUSED: WindowState = { focused: false, hidden: false }

let relay: RelayProcess
let helpdesk: Helpdesk
/** Conversations shown on the list page of mailbox 1 (set by the test that opens it). */
let listed: number[] = []
let conversationCounter = 0
/** Undone after each test (state a test changed in this worker's helpdesk). */
const undo: (() => void)[] = []
const onTestEnd = (fn: () => void) => undo.push(fn)
test.afterEach(() => {
  for (const fn of undo.splice(0)) fn()
})

test.beforeAll(async () => {
  relay = await startRelayProcess({ SIGHTLINE_JWT_SECRET: SECRET, HOST: '127.0.0.1', PORT: '0' })
  helpdesk = await startHelpdesk({
    relayUrl: relay.url,
    secret: SECRET,
    mailboxOf: () => 1,
    listOf: () => listed,
  })
})

test.afterAll(async () => {
  await helpdesk?.close()
  await relay?.stop('SIGTERM')
})

/** A conversation id no other test (or earlier run against the same relay) uses. */
function conversation(): number {
  return (Date.now() % 1_000_000) * 100 + ++conversationCounter
}

/** Opens `path` as `agent` in a browser context of its own (another person, another computer). */
async function openAgent(
  browser: Browser,
  agent: Agent,
  path: string,
  window: WindowState,
  desk: Helpdesk = helpdesk,
  /** Where the browser reaches the helpdesk (default its own address; else a proxy in front). */
  base: string = desk.url,
  /** Collects the URL of every WebSocket the page opens. */
  sockets?: string[],
) {
  // A proxy's self-signed certificate (made at test time) is accepted, for pages and sockets.
  const context = await browser.newContext({ ignoreHTTPSErrors: base.startsWith('https:') })
  await context.addCookies([desk.cookie(agent)])
  await emulateWindows(context, window)
  const page = await context.newPage()
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning')
      console.log(`[${agent.firstName}] ${msg.text()}`)
  })
  if (sockets) page.on('websocket', (ws) => sockets.push(ws.url()))
  await page.goto(`${base}${path}`)
  return page
}

const viewer = (page: Page, agent: Agent) =>
  page.locator(`#sightline-conv-viewers .viewer-${agent.id}`)
/** FreeScout's own viewers box (kept up to date by its polled events; the fallback). */
const freescoutViewers = (page: Page) => page.locator('#conv-viewers')
const offlineMarker = (page: Page) => page.locator('#conv-viewers > .sightline-offline-marker')

/** Milliseconds `assertion` took to pass. */
async function timed(assertion: () => Promise<void>): Promise<number> {
  const start = Date.now()
  await assertion()
  return Date.now() - start
}

/** Log entries after `other` was first shown in which they were missing. */
async function vanished(page: Page, other: Agent) {
  const log = await viewerLog(page)
  const first = log.findIndex((c) => c.ids.includes(String(other.id)))
  expect(first, 'the other agent was shown at some point').toBeGreaterThanOrEqual(0)
  return log.slice(first).filter((c) => !c.ids.includes(String(other.id)))
}

test('each agent sees the other for 3 minutes, whichever window has the focus', async ({
  browser,
}, testInfo) => {
  const TURN_MS = 40_000
  const DURATION_MS = 180_000
  test.setTimeout(DURATION_MS + 60_000)
  const c = conversation()
  const a = await openAgent(browser, ann, `/conversation/${c}`, FOCUSED)
  // Bob opens the conversation right after Ann (FreeScout: within ~5 s, never saw the first).
  const b = await openAgent(browser, bob, `/conversation/${c}`, UNFOCUSED)
  const seeA = await timed(() => expect(viewer(a, bob)).toBeVisible({ timeout: 1000 }))
  const seeB = await timed(() => expect(viewer(b, ann)).toBeVisible({ timeout: 1000 }))
  testInfo.annotations.push({
    type: 'join',
    description: `Ann saw Bob +${seeA} ms, Bob saw Ann +${seeB} ms`,
  })

  // FreeScout's look: its photo markup and wording; its stale and polled viewers are gone.
  await expect(viewer(a, bob)).toHaveClass(/\bphoto-xs\b/)
  await expect(viewer(a, bob).locator('i.person-photo.person-photo-auto')).toHaveAttribute(
    'data-initial',
    'BR',
  )
  await expect(viewer(a, bob)).toHaveAttribute('title', 'Bob Ray is viewing')
  await expect(freescoutViewers(a)).toBeHidden()
  await expect(a.locator('#sightline-conv-viewers').locator('.viewer-98, .viewer-99')).toHaveCount(
    0,
  )
  await expect(offlineMarker(a)).toHaveCount(0)

  // Turns of 40 s, as in the FreeScout run; every other turn the unfocused window also goes to
  // the background (hidden), which dims its agent for the other but never removes them.
  const start = Date.now()
  for (let turn = 0; Date.now() - start < DURATION_MS; turn++) {
    const annHasFocus = turn % 2 === 1
    const background = turn % 4 >= 2
    await setWindowState(a, { focused: annHasFocus, hidden: !annHasFocus && background })
    await setWindowState(b, { focused: !annHasFocus, hidden: annHasFocus && background })
    if (background) {
      const away = annHasFocus ? viewer(a, bob) : viewer(b, ann)
      await expect(away).toHaveAttribute('data-away', 'true')
    }
    await a.waitForTimeout(Math.min(TURN_MS, DURATION_MS - (Date.now() - start)))
    await expect(viewer(a, bob)).toBeVisible({ timeout: 1 })
    await expect(viewer(b, ann)).toBeVisible({ timeout: 1 })
  }
  // Between the checks too: the pages recorded every change of their viewers.
  expect(await vanished(a, bob), 'Bob vanished from Ann').toEqual([])
  expect(await vanished(b, ann), 'Ann vanished from Bob').toEqual([])
})

test('replying from the reply and note editors within 1 s, the replied notice, leaving within 1 s', async ({
  browser,
}, testInfo) => {
  const c = conversation()
  const a = await openAgent(browser, ann, `/conversation/${c}`, FOCUSED)
  // Bob's window never has the focus (FreeScout: never listed, never expired, reply unseen).
  const b = await openAgent(browser, bob, `/conversation/${c}`, UNFOCUSED)
  // Cid has no access to mailbox 1: his token does not grant it.
  const cidPage = await openAgent(browser, cid, `/conversation/${c}`, FOCUSED)
  await expect(viewer(a, bob)).toBeVisible({ timeout: 1000 })
  // FreeScout's server-rendered viewers (a stale "viewer-98") never flashed before Sightline drew.
  expect(await freescoutFlashFrames(a)).toBe(0)
  expect(await freescoutFlashFrames(b)).toBe(0)

  const replying = await timed(async () => {
    await b.getByTestId('fs-reply').click()
    await expect(viewer(a, bob)).toHaveClass(/\bviewer-replying\b/, { timeout: 1000 })
  })
  await expect(viewer(a, bob)).toHaveAttribute('title', 'Bob Ray is replying')
  const discarded = await timed(async () => {
    await b.getByTestId('fs-discard').click()
    await expect(viewer(a, bob)).not.toHaveClass(/\bviewer-replying\b/, { timeout: 1000 })
  })
  const note = await timed(async () => {
    await b.getByTestId('fs-note').click()
    await expect(viewer(a, bob)).toHaveClass(/\bviewer-replying\b/, { timeout: 1000 })
  })

  // Ann composes too; Bob sends: he is asked first (Ann is replying now), then Ann is told.
  await a.getByTestId('fs-reply').click()
  await expect(viewer(b, ann)).toHaveClass(/\bviewer-replying\b/, { timeout: 1000 })
  const bobAsked = new Promise<string>((resolve) =>
    b.once('dialog', (dialog) => {
      resolve(dialog.message())
      void dialog.accept()
    }),
  )
  await b.getByTestId('fs-send').click()
  expect(await bobAsked).toContain('Ann Lee is replying now.')
  const notified = await timed(() =>
    expect(a.locator('sightline-replied-notice')).toContainText('Bob Ray', { timeout: 1000 }),
  )
  // In FreeScout's scale (root 10px, body 13.4px), not the widget's 0.875rem (8.75px here).
  const noticeFont = await a
    .locator('sightline-replied-notice')
    .evaluate((el) => getComputedStyle(el.shadowRoot!.querySelector('.banner')!).fontSize)
  expect(noticeFont).toBe('13.4px')
  const warningFont = await a
    .locator('sightline-reply-warning')
    .evaluate((el) => getComputedStyle(el).fontSize)
  expect(warningFont).toBe('13.4px')

  // FreeScout reloads the page after a send: Bob is back, viewing.
  await expect(viewer(a, bob)).toBeVisible()
  await expect(viewer(a, bob)).not.toHaveClass(/\bviewer-replying\b/)

  // Ann's send is held: Bob replied meanwhile. She cancels and stays in her editor.
  const annAsked = new Promise<string>((resolve) =>
    a.once('dialog', (dialog) => {
      resolve(dialog.message())
      void dialog.dismiss()
    }),
  )
  await a.getByTestId('fs-send').click()
  expect(await annAsked).toMatch(/Bob Ray replied \d+ s ago\./)
  await expect(viewer(b, ann)).toHaveClass(/\bviewer-replying\b/)

  // Nobody saw Cid, and Cid saw nobody: his token does not grant the room, so his page never
  // connects and says presence is offline (FreeScout's own viewers shown instead).
  await expect(cidPage.locator('#sightline-conv-viewers')).toHaveAttribute(
    'data-sightline-status',
    'revoked',
  )
  await expect(offlineMarker(cidPage)).toBeVisible()
  await expect(cidPage.locator('#sightline-conv-viewers [data-user-id]')).toHaveCount(0)
  expect((await viewerLog(a)).some((change) => change.ids.includes(String(cid.id)))).toBe(false)

  const left = await timed(async () => {
    await b.context().close()
    await expect(viewer(a, bob)).toHaveCount(0, { timeout: 1000 })
  })
  testInfo.annotations.push({
    type: 'latency',
    description: `replying ${replying} ms, discard ${discarded} ms, note ${note} ms, replied notice ${notified} ms, leave ${left} ms`,
  })
  expect(helpdesk.tokenCalls.get(ann.id) ?? 0).toBeGreaterThan(0)
})

test('the mailbox list shows live badges of who views and who replies', async ({
  browser,
}, testInfo) => {
  const [c1, c2] = [conversation(), conversation()]
  listed = [c1, c2]
  const list = await openAgent(browser, ann, '/mailbox/1', UNFOCUSED)
  const badge = (c: number) =>
    list.locator(`tr.conv-row[data-conversation_id="${c}"] td.conv-current .viewer-badge`)
  // FreeScout's badge, computed when the list rendered, is not left to contradict.
  await expect(badge(c2)).toHaveCount(0)

  const b = await openAgent(browser, bob, `/conversation/${c1}`, UNFOCUSED)
  const viewing = await timed(() =>
    expect(badge(c1)).toHaveAttribute('data-state', 'viewing', { timeout: 1000 }),
  )
  await expect(badge(c1)).not.toHaveClass(/\bviewer-replying\b/)
  await expect(badge(c1)).toHaveAttribute('title', 'Bob Ray is viewing')
  const replying = await timed(async () => {
    await b.getByTestId('fs-reply').click()
    await expect(badge(c1)).toHaveClass(/\bviewer-replying\b/, { timeout: 1000 })
  })
  await expect(badge(c1)).toHaveAttribute('data-state', 'replying')

  // FreeScout replaces rows in place (pagination, refresh): the new row gets its badge.
  await list.evaluate(() => {
    for (const cell of document.querySelectorAll('td.conv-current')) {
      const fresh = document.createElement('td')
      fresh.className = 'conv-current'
      cell.replaceWith(fresh)
    }
  })
  await expect(badge(c1)).toHaveAttribute('data-state', 'replying', { timeout: 1000 })
  await expect(badge(c2)).toHaveCount(0)

  const left = await timed(async () => {
    await b.context().close()
    await expect(badge(c1)).toHaveCount(0, { timeout: 1000 })
  })
  testInfo.annotations.push({
    type: 'list latency',
    description: `viewing ${viewing} ms, replying ${replying} ms, leave ${left} ms`,
  })
})

test('relay down: the page says presence is offline and shows FreeScout viewers, until the relay is back', async ({
  browser,
}, testInfo) => {
  test.setTimeout(60_000)
  const port = await freePort()
  const env = { SIGHTLINE_JWT_SECRET: SECRET, HOST: '127.0.0.1', PORT: String(port) }
  let own = await startRelayProcess(env)
  const desk = await startHelpdesk({
    relayUrl: own.url,
    secret: SECRET,
    mailboxOf: () => 1,
    listOf: () => [],
  })
  try {
    const c = conversation()
    const a = await openAgent(browser, ann, `/conversation/${c}`, FOCUSED, desk)
    await openAgent(browser, bob, `/conversation/${c}`, UNFOCUSED, desk)
    await expect(viewer(a, bob)).toBeVisible({ timeout: 2000 })
    await expect(freescoutViewers(a)).toBeHidden()

    // The relay dies (kill -9): within the grace of a few seconds the page says so, and
    // FreeScout's own viewers (its polled stand-in adds "viewer-99" every second) are back.
    await own.stop('SIGKILL')
    const offline = await timed(async () => {
      await expect(offlineMarker(a)).toBeVisible({ timeout: 10_000 })
    })
    await expect(offlineMarker(a)).toContainText('presence offline')
    await expect(offlineMarker(a)).toHaveAttribute('title', /Live presence is offline/)
    await expect(freescoutViewers(a)).toBeVisible()
    await expect(freescoutViewers(a).locator('.viewer-99')).toBeVisible()
    await expect(a.locator('#sightline-conv-viewers')).toBeHidden()
    expect(offline).toBeGreaterThanOrEqual(3000)

    // The relay is back on its port: Sightline's viewers again, FreeScout's hidden.
    own = await startRelayProcess(env)
    const back = await timed(async () => {
      await expect(viewer(a, bob)).toBeVisible({ timeout: 15_000 })
    })
    await expect(freescoutViewers(a)).toBeHidden()
    await expect(offlineMarker(a)).toHaveCount(0)
    testInfo.annotations.push({
      type: 'offline fallback',
      description: `offline shown ${offline} ms after kill -9, Sightline back ${back} ms after the relay restarted`,
    })
  } finally {
    await desk.close()
    await own.stop('SIGTERM')
  }
})

test('a secret mismatch: offline within seconds, and token calls back off instead of 33 a minute', async ({
  browser,
}, testInfo) => {
  test.setTimeout(60_000)
  const OBSERVE_MS = 30_000
  // FreeScout signs with a secret the relay does not know: every connection gets 4401.
  const desk = await startHelpdesk({
    relayUrl: relay.url,
    secret: `${SECRET}-not-the-relays`,
    mailboxOf: () => 1,
    listOf: () => [],
  })
  try {
    const a = await openAgent(browser, ann, `/conversation/${conversation()}`, FOCUSED, desk)
    const offline = await timed(() => expect(offlineMarker(a)).toBeVisible({ timeout: 10_000 }))
    await expect(freescoutViewers(a)).toBeVisible()
    await a.waitForTimeout(OBSERVE_MS - offline)
    const calls = desk.tokenCalls.get(ann.id) ?? 0
    testInfo.annotations.push({
      type: 'refused',
      description: `offline shown after ${offline} ms; ${calls} token calls in ${OBSERVE_MS / 1000} s`,
    })
    // Backoff 2, 4, 8, 16 s (jittered down to half) after the first: at most 6 calls in 30 s.
    // Before: a call every 1.8 s on average (33 a minute), 16 in 30 s.
    expect(calls).toBeGreaterThanOrEqual(2)
    expect(calls).toBeLessThanOrEqual(6)
    await expect(offlineMarker(a)).toBeVisible()
  } finally {
    await desk.close()
  }
})

test('revocation within a minute: removed from the mailbox or disabled, an agent stops seeing and being seen', async ({
  browser,
}, testInfo) => {
  test.setTimeout(120_000)
  const c = conversation()
  const a = await openAgent(browser, ann, `/conversation/${c}`, FOCUSED)
  const b = await openAgent(browser, bob, `/conversation/${c}`, UNFOCUSED)
  const d = await openAgent(browser, dee, `/conversation/${c}`, UNFOCUSED)
  await expect(viewer(a, bob)).toBeVisible({ timeout: 2000 })
  await expect(viewer(a, dee)).toBeVisible({ timeout: 2000 })
  await expect(viewer(b, ann)).toBeVisible()
  await expect(viewer(d, ann)).toBeVisible()

  // An admin removes Bob from mailbox 1 and disables Dee (FreeScout: a 403 for Dee from now on).
  const start = Date.now()
  helpdesk.setAccess(bob, { mailboxes: [2] })
  helpdesk.setAccess(dee, { disabled: true })
  // This worker's helpdesk serves the other tests after this one.
  onTestEnd(() => {
    helpdesk.setAccess(bob, { mailboxes: bob.mailboxes })
    helpdesk.setAccess(dee, { disabled: false })
  })
  const gone = (page: Page, other: Agent) =>
    expect(viewer(page, other)).toHaveCount(0, { timeout: 60_000 - (Date.now() - start) })
  await Promise.all([gone(a, bob), gone(a, dee)])
  const unseen = Date.now() - start
  // They no longer see anybody either: their pages fall back to FreeScout's viewers.
  await expect(offlineMarker(b)).toBeVisible({ timeout: 60_000 - (Date.now() - start) })
  await expect(offlineMarker(d)).toBeVisible({ timeout: 60_000 - (Date.now() - start) })
  await expect(b.locator('#sightline-conv-viewers')).toHaveAttribute(
    'data-sightline-status',
    'revoked',
  )
  await expect(b.locator('#sightline-conv-viewers')).toBeHidden()
  const blind = Date.now() - start
  expect(blind).toBeLessThan(60_000)
  testInfo.annotations.push({
    type: 'revocation',
    description: `unseen by others after ${unseen} ms, own view ended after ${blind} ms (bound 60 s)`,
  })
  // Ann is unaffected.
  await expect(a.locator('#sightline-conv-viewers')).toHaveAttribute(
    'data-sightline-status',
    'connected',
  )
})

test('Test connection in the settings names the failing step', async ({ browser }) => {
  test.setTimeout(60_000)
  const result = (page: Page) => page.locator('#sightline-test-result')
  const check = async (desk: Helpdesk) => {
    const page = await openAgent(browser, ann, '/settings/sightline', FOCUSED, desk)
    await page.getByRole('button', { name: 'Test connection' }).click()
    await expect(result(page)).not.toHaveAttribute('data-step', 'running', { timeout: 10_000 })
    return page
  }
  const deadPort = await freePort()
  const strict = await startRelayProcess({
    SIGHTLINE_JWT_SECRET: SECRET,
    HOST: '127.0.0.1',
    PORT: '0',
    SIGHTLINE_ALLOWED_ORIGINS: 'https://helpdesk.example.com',
  })
  const desks = await Promise.all([
    startHelpdesk({
      relayUrl: relay.url,
      secret: `${SECRET}-other`,
      mailboxOf: () => 1,
      listOf: () => [],
    }),
    startHelpdesk({
      relayUrl: `ws://127.0.0.1:${deadPort}`,
      secret: SECRET,
      mailboxOf: () => 1,
      listOf: () => [],
    }),
    startHelpdesk({ relayUrl: strict.url, secret: SECRET, mailboxOf: () => 1, listOf: () => [] }),
  ])
  const [mismatch, dead, foreign] = desks
  try {
    const ok = await check(helpdesk)
    await expect(result(ok)).toHaveAttribute('data-step', 'done')
    await expect(result(ok)).toHaveClass(/alert-success/)
    await expect(result(ok)).toContainText('accepted a token from this FreeScout')

    const refused = await check(mismatch!)
    await expect(result(refused)).toHaveAttribute('data-step', 'accept')
    await expect(result(refused)).toHaveClass(/alert-danger/)
    await expect(result(refused)).toContainText('4401')
    await expect(result(refused)).toContainText('SIGHTLINE_JWT_SECRET')

    const unreachable = await check(dead!)
    await expect(result(unreachable)).toHaveAttribute('data-step', 'reach')
    await expect(result(unreachable)).toContainText(`no answer at ws://127.0.0.1:${deadPort}`)

    const origin = await check(foreign!)
    await expect(result(origin)).toHaveAttribute('data-step', 'accept')
    await expect(result(origin)).toContainText('SIGHTLINE_ALLOWED_ORIGINS')
  } finally {
    await Promise.all(desks.map((d) => d.close()))
    await strict.stop('SIGTERM')
  }
})

test("over HTTPS behind nginx: the relay under /sightline/ on FreeScout's own host, over wss://", async ({
  browser,
}, testInfo) => {
  test.setTimeout(60_000)
  const proxyPort = await freePort()
  const origin = `https://127.0.0.1:${proxyPort}`
  // The relay admits FreeScout's origin only: nginx must pass the browser's Origin through.
  const own = await startRelayProcess({
    SIGHTLINE_JWT_SECRET: SECRET,
    HOST: '127.0.0.1',
    PORT: '0',
    SIGHTLINE_ALLOWED_ORIGINS: origin,
  })
  // SIGHTLINE_RELAY_URL=/sightline, APP_URL https://…: the module gives pages wss://<host>/sightline.
  const desk = await startHelpdesk({
    relayUrl: '/sightline',
    appUrl: origin,
    secret: SECRET,
    mailboxOf: () => 1,
    listOf: () => [],
  })
  const proxy = await startTlsProxy({
    port: proxyPort,
    helpdeskPort: Number(new URL(desk.url).port),
    relayPort: Number(new URL(own.url).port),
  })
  try {
    const c = conversation()
    const sockets: string[] = []
    const a = await openAgent(browser, ann, `/conversation/${c}`, FOCUSED, desk, origin, sockets)
    const b = await openAgent(browser, bob, `/conversation/${c}`, UNFOCUSED, desk, origin)
    const join = await timed(() => expect(viewer(a, bob)).toBeVisible({ timeout: 2000 }))
    await expect(viewer(b, ann)).toBeVisible({ timeout: 2000 })
    expect(a.url()).toMatch(/^https:/)
    expect(sockets.length).toBeGreaterThan(0)
    for (const url of sockets) {
      expect(url).toBe(`wss://127.0.0.1:${proxyPort}/sightline/mailbox/1/conversation/${c}`)
    }
    // The relay's health through the same path, same origin.
    expect(await a.evaluate(() => fetch('/sightline/healthz').then((r) => r.text()))).toBe('ok')

    const replying = await timed(async () => {
      await b.getByTestId('fs-reply').click()
      await expect(viewer(a, bob)).toHaveClass(/\bviewer-replying\b/, { timeout: 1000 })
    })
    const settings = await openAgent(browser, ann, '/settings/sightline', FOCUSED, desk, origin)
    await settings.getByRole('button', { name: 'Test connection' }).click()
    await expect(settings.locator('#sightline-test-result')).toHaveAttribute('data-step', 'done', {
      timeout: 10_000,
    })
    await expect(settings.locator('#sightline-test-result')).toContainText(
      `the relay at wss://127.0.0.1:${proxyPort}/sightline answered`,
    )
    const left = await timed(async () => {
      await b.context().close()
      await expect(viewer(a, bob)).toHaveCount(0, { timeout: 1000 })
    })
    testInfo.annotations.push({
      type: 'https',
      description: `join ${join} ms, replying ${replying} ms, leave ${left} ms, through nginx over wss://`,
    })
  } finally {
    await proxy.close()
    await desk.close()
    await own.stop('SIGTERM')
  }
})

test("an agent whose FreeScout speaks Chinese gets Sightline's words in Chinese, whatever <html lang> says", async ({
  browser,
}) => {
  expect(wei.locale).toBe('zh-CN')
  const c = conversation()
  const w = await openAgent(browser, wei, `/conversation/${c}`, FOCUSED)
  const a = await openAgent(browser, ann, `/conversation/${c}`, UNFOCUSED)
  // FreeScout's page says English (the installation's locale); the module passed Wei's own.
  await expect(w.locator('html')).toHaveAttribute('lang', 'en')
  const box = w.locator('#sightline-conv-viewers')
  await expect(box).toHaveAttribute('lang', 'zh-CN')
  await expect(box).toHaveAttribute('aria-label', '此会话中的其他客服')
  await expect(viewer(w, ann)).toHaveAttribute('title', 'Ann Lee正在查看')
  // Each agent in their own language: Ann's page stays English.
  await expect(viewer(a, wei)).toHaveAttribute('title', 'Wei Zhang is viewing')

  // Ann replies first; Wei opens his editor: the widget's warning follows the binding's lang.
  await a.getByTestId('fs-reply').click()
  await expect(viewer(w, ann)).toHaveAttribute('title', 'Ann Lee正在回复')
  await w.getByTestId('fs-reply').click()
  await expect(w.locator('.sightline-banners')).toHaveAttribute('lang', 'zh-CN')
  await expect(w.locator('sightline-reply-warning')).toContainText('Ann Lee已在回复')

  // His send is held, in Chinese; he cancels.
  const asked = new Promise<string>((resolve) =>
    w.once('dialog', (dialog) => {
      resolve(dialog.message())
      void dialog.dismiss()
    }),
  )
  await w.getByTestId('fs-send').click()
  expect(await asked).toBe('Ann Lee正在回复。\n\n仍然发送吗？')

  // Without access to the mailbox, his page says presence is offline, in Chinese.
  helpdesk.setAccess(wei, { mailboxes: [2] })
  onTestEnd(() => helpdesk.setAccess(wei, { mailboxes: wei.mailboxes }))
  const blind = await openAgent(browser, wei, `/conversation/${c}`, FOCUSED)
  await expect(offlineMarker(blind)).toBeVisible()
  await expect(offlineMarker(blind)).toHaveText('实时状态离线')
  await expect(offlineMarker(blind)).toHaveAttribute('lang', 'zh-CN')
  await expect(offlineMarker(blind)).toHaveAttribute(
    'title',
    '实时状态已离线（没有访问权限）：现在显示的是FreeScout自带的查看者，可能滞后或缺失。',
  )
})

/** The language the binding script speaks (window.SightlineFreeScout.lang, since 0.2.0). */
const bindingLang = (page: Page) =>
  page.evaluate(
    () =>
      (window as unknown as { SightlineFreeScout?: { lang?: string } }).SightlineFreeScout?.lang ??
      null,
  )

/** Grants::TTL_SECONDS of the module at `moduleDir`: how long its tokens live. */
function tokenLifetime(moduleDir: string): number {
  const grants = readFileSync(join(moduleDir, 'Support/Grants.php'), 'utf8')
  const match = /const TTL_SECONDS = (\d+);/.exec(grants)
  if (!match) throw new Error(`no TTL_SECONDS in ${moduleDir}/Support/Grants.php`)
  return Number(match[1])
}

test('upgrading the module: the new zip unzipped over the previous release, pages reloaded, presence resumes on the new scripts and token route', async ({
  browser,
}, testInfo) => {
  test.setTimeout(120_000)
  const work = mkdtempSync(join(tmpdir(), 'sightline-upgrade-'))
  onTestEnd(() => rmSync(work, { recursive: true, force: true }))
  const built = Date.now()
  const previousZip = buildPreviousRelease(work)
  const currentZip = buildCurrentRelease(work)
  const buildMs = Date.now() - built
  const current = moduleVersion(CURRENT_MODULE)
  expect(current, 'module.json names a new version').not.toBe(PREVIOUS_RELEASE.version)

  // FreeScout with the previous release installed (unzipped into Modules/).
  const modules = join(work, 'freescout/Modules')
  const installed = unzipModule(previousZip, modules)
  expect(moduleVersion(installed)).toBe(PREVIOUS_RELEASE.version)
  const previousTtl = tokenLifetime(installed)
  const desk = await startHelpdesk({
    relayUrl: relay.url,
    secret: SECRET,
    mailboxOf: () => 1,
    listOf: () => [],
    moduleDir: installed,
  })
  const script = (version: string) => [
    `/modules/sightline/js/sightline.iife.js?v=${version}`,
    `/modules/sightline/js/sightline-freescout.js?v=${version}`,
  ]
  const routesUsed = (from: number) =>
    new Set(desk.tokenRequests.slice(from).map((r) => `${r.method} ${r.path}, ${r.ttl} s`))
  try {
    const c = conversation()
    const a = await openAgent(browser, ann, `/conversation/${c}`, FOCUSED, desk)
    const b = await openAgent(browser, bob, `/conversation/${c}`, UNFOCUSED, desk)
    await expect(viewer(a, bob)).toBeVisible({ timeout: 2000 })
    await expect(viewer(b, ann)).toBeVisible({ timeout: 2000 })
    // The previous release: its scripts, its token route and token lifetime.
    expect(desk.assetRequests).toEqual(expect.arrayContaining(script(PREVIOUS_RELEASE.version)))
    expect(routesUsed(0)).toEqual(new Set([`POST /sightline/token, ${previousTtl} s`]))
    expect(await bindingLang(a)).toBeNull()

    // FreeScout's nginx caches modules/ for a month: a reload fetches none of the scripts again,
    // so only a new ?v= brings a release's scripts to an open browser.
    const cached = desk.assetRequests.length
    await a.reload()
    await expect(viewer(a, bob)).toBeVisible({ timeout: 2000 })
    expect(desk.assetRequests.slice(cached)).toEqual([])

    // The admin unzips the new release over the old folder; the agents reload.
    unzipModule(currentZip, modules)
    expect(moduleVersion(installed)).toBe(current)
    const currentTtl = tokenLifetime(installed)
    expect(currentTtl).not.toBe(previousTtl)
    const assetsAt = desk.assetRequests.length
    const tokensAt = desk.tokenRequests.length
    await a.reload()
    await b.reload()
    for (const page of [a, b]) {
      await expect(page.locator('#sightline-conv-viewers')).toHaveAttribute(
        'data-sightline-status',
        'connected',
        { timeout: 5000 },
      )
    }
    await expect(viewer(a, bob)).toBeVisible()
    await expect(viewer(b, ann)).toBeVisible()
    // The new scripts were fetched (not the cached old ones), and they run: the new binding
    // exposes the agent's language; both pages took tokens from the new route only.
    expect(desk.assetRequests.slice(assetsAt)).toEqual(expect.arrayContaining(script(current)))
    expect(await bindingLang(a)).toBe('en')
    expect(routesUsed(tokensAt)).toEqual(new Set([`POST /sightline-token, ${currentTtl} s`]))
    expect(new Set(desk.tokenRequests.slice(tokensAt).map((r) => r.agent))).toEqual(
      new Set([ann.id, bob.id]),
    )

    // FreeScout keeps working with it: replying shows both ways, within a second.
    await b.getByTestId('fs-reply').click()
    await expect(viewer(a, bob)).toHaveClass(/\bviewer-replying\b/, { timeout: 1000 })
    await a.getByTestId('fs-note').click()
    await expect(viewer(b, ann)).toHaveClass(/\bviewer-replying\b/, { timeout: 1000 })
    testInfo.annotations.push({
      type: 'upgrade',
      description: `${PREVIOUS_RELEASE.version} (${PREVIOUS_RELEASE.commit.slice(0, 7)}) -> ${current}; both zips built in ${buildMs} ms`,
    })
  } finally {
    await desk.close()
  }
})
