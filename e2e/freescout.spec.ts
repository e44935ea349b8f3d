/**
 * The FreeScout module's binding script (integrations/freescout/Public/js/sightline-freescout.js)
 * on pages that reproduce FreeScout 1.8.235's conversation and mailbox list markup (ids, classes,
 * data attributes, CSRF meta tag, CSP, focus behaviour), served by a loopback stand-in of the
 * helpdesk, with the real relay (its CLI, in its own process), real tokens and two or three
 * agents in real Chromium. The FreeScout bug it fixes: with focus taking turns, one agent
 * vanished from the other's viewers after 58 s and the other after 178 s.
 */
import { type Browser, expect, type Page, test } from '@playwright/test'
import { AGENTS, type Agent, type Helpdesk, startHelpdesk } from './freescout/helpdesk.js'
import {
  emulateWindows,
  setWindowState,
  viewerLog,
  type WindowState,
} from './freescout/window-focus.js'
import { type RelayProcess, startRelayProcess } from './support/relay-process.js'

const SECRET = 'sightline-freescout-e2e-secret-0123456789'
const [ann, bob, cid] = AGENTS as [Agent, Agent, Agent]
const FOCUSED: WindowState = { focused: true, hidden: false }
/** Side by side, the other window has the focus (FreeScout then stops reporting the viewer). */
const UNFOCUSED: WindowState = { focused: false, hidden: false }

let relay: RelayProcess
let helpdesk: Helpdesk
/** Conversations shown on the list page of mailbox 1 (set by the test that opens it). */
let listed: number[] = []
let conversationCounter = 0

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
async function openAgent(browser: Browser, agent: Agent, path: string, window: WindowState) {
  const context = await browser.newContext()
  await context.addCookies([helpdesk.cookie(agent)])
  await emulateWindows(context, window)
  const page = await context.newPage()
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning')
      console.log(`[${agent.firstName}] ${msg.text()}`)
  })
  await page.goto(`${helpdesk.url}${path}`)
  return page
}

const viewer = (page: Page, agent: Agent) =>
  page.locator(`#sightline-conv-viewers .viewer-${agent.id}`)

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
  await expect(a.locator('#conv-viewers')).toHaveCount(0)
  await expect(a.locator('.viewer-98, .viewer-99')).toHaveCount(0)

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

  // Nobody saw Cid, and Cid saw nobody.
  await expect(cidPage.locator('#sightline-conv-viewers')).not.toHaveAttribute(
    'data-sightline-status',
    /connecting|connected/,
  )
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
