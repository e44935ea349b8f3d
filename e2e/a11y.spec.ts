/**
 * Accessibility (issue 16): agents work all day with keyboards and screen readers.
 *  - axe-core finds no serious or critical violation on the agent desk's pages, or on any
 *    widget element in any state (viewers with overflow, replying, away; the reply warning;
 *    the replied notice; list badges), in the light and the dark scheme;
 *  - the collision dialog works with the keyboard alone;
 *  - live regions speak once per change: not on the relay's periodic refresh of a state, not
 *    on the one-second tick of a relative time.
 */
import type { Page, WebSocket } from '@playwright/test'
import { type Finding, seriousViolations } from './a11y/axe.js'
import { announcements, recordAnnouncements } from './a11y/live-regions.js'
import { expect, test, viewer } from './fixtures.js'

const SCHEMES = ['light', 'dark'] as const

/** Signs `agentId` in on the mailbox page, then installs `prepare` and loads `path` afresh. */
async function openRecorded(
  openAgent: (agentId: 'alice' | 'bob', path: string) => Promise<Page>,
  agentId: 'alice' | 'bob',
  path: string,
  prepare: (page: Page) => Promise<void> | void,
): Promise<Page> {
  const page = await openAgent(agentId, '/mailbox/1')
  await prepare(page)
  await page.goto(path)
  await expect(page.getByTestId('connection-status')).toHaveText('connected')
  return page
}

/** Where the findings are, for the failure message. */
function report(findings: Finding[]): string {
  return findings
    .map((f) => `${f.impact} ${f.rule}: ${f.help}\n  ${f.nodes.join('\n  ')}`)
    .join('\n')
}

for (const scheme of SCHEMES) {
  test(`agent desk pages have no serious or critical axe violations (${scheme})`, async ({
    page,
    openAgent,
    conversation,
  }) => {
    // Three axe runs over whole pages (a few seconds each on a shared 2-core runner).
    test.setTimeout(60_000)
    await page.emulateMedia({ colorScheme: scheme })
    await page.goto('/')
    await expect(page.getByTestId('sign-in-alice')).toBeVisible()
    let findings = await seriousViolations(page)
    expect(findings, `sign-in page\n${report(findings)}`).toEqual([])

    // A conversation with another agent replying, and the mailbox list showing that badge.
    const bob = await openAgent('bob', conversation.path)
    await bob.getByTestId('reply-open').click()
    const alice = await openAgent('alice', conversation.path)
    await alice.emulateMedia({ colorScheme: scheme })
    await expect(viewer(alice, 'bob')).toHaveAttribute('data-activity', 'replying')
    await alice.getByTestId('reply-open').click()
    await expect(alice.getByTestId('reply-warning')).toBeVisible()
    findings = await seriousViolations(alice)
    expect(findings, `conversation page\n${report(findings)}`).toEqual([])

    await alice.goto('/mailbox/1')
    await expect(alice.getByTestId('list-connection-status')).toHaveText('connected')
    findings = await seriousViolations(alice)
    expect(findings, `mailbox list\n${report(findings)}`).toEqual([])
  })

  test(`every widget element in every state has no serious or critical axe violations (${scheme})`, async ({
    openAgent,
  }) => {
    test.setTimeout(60_000)
    // The app's bundle registers the elements; a fixture section puts each in each state.
    const page = await openAgent('alice', '/mailbox/1')
    await page.emulateMedia({ colorScheme: scheme })
    await page.evaluate(mountWidgetStates)
    const section = page.locator('#a11y-widgets')
    await expect(section.getByTestId('viewers-overflow')).toHaveText('+2')
    await expect(section.getByTestId('reply-warning')).toBeVisible()
    await expect(section.getByTestId('replied-notice')).toBeVisible()
    await expect(section.locator('[data-testid="list-badge"][data-state="replying"]')).toBeVisible()
    await expect(section.locator('[data-testid="list-badge"][data-state="viewing"]')).toBeVisible()
    let findings = await seriousViolations(page, '#a11y-widgets')
    expect(findings, report(findings)).toEqual([])

    // With a tooltip open: an avatar's (focus), then the overflow's.
    const focusable = {
      avatar: section.getByTestId('viewer').first().locator('[tabindex="0"]'),
      overflow: section.locator('[data-testid="viewers-overflow"][tabindex="0"]'),
    }
    for (const [name, target] of Object.entries(focusable)) {
      await target.focus()
      await expect(section.locator('[role="tooltip"]:visible').first()).toBeVisible()
      findings = await seriousViolations(page, '#a11y-widgets')
      expect(findings, `${name} tooltip\n${report(findings)}`).toEqual([])
    }
  })
}

test('the collision dialog works with the keyboard alone', async ({ openAgent, conversation }) => {
  const bob = await openAgent('bob', conversation.path)
  await bob.getByTestId('reply-open').click()
  const alice = await openAgent('alice', conversation.path)
  await expect(viewer(alice, 'bob')).toHaveAttribute('data-activity', 'replying')
  const focused = () =>
    alice.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null)

  // Tab to "Reply" from the top of the page, as a keyboard user gets there.
  await tabTo(alice, 'reply-open')
  await alice.keyboard.press('Enter')
  await expect.poll(focused).toBe('reply-editor')
  await alice.keyboard.type('Keyboard reply.')
  await tabTo(alice, 'reply-send')
  await alice.keyboard.press('Enter')

  // The dialog opens with focus on the safe choice; Shift+Tab reaches "Send anyway".
  const dialog = alice.getByTestId('send-confirm')
  await expect(dialog).toBeVisible()
  await expect(dialog).toHaveAccessibleName('Send anyway?')
  await expect.poll(focused).toBe('send-confirm-cancel')
  await alice.keyboard.press('Shift+Tab')
  await expect.poll(focused).toBe('send-confirm-send')

  // Escape cancels: nothing sent, the draft kept, focus back in it to go on writing.
  await alice.keyboard.press('Escape')
  await expect(dialog).toBeHidden()
  await expect(alice.getByTestId('reply-editor')).toHaveValue('Keyboard reply.')
  await expect.poll(focused).toBe('reply-editor')
  await expect(alice.locator('.thread').getByText('Keyboard reply.')).toHaveCount(0)

  // Send again, then "Send anyway" with the keyboard: the reply goes out.
  await tabTo(alice, 'reply-send')
  await alice.keyboard.press('Enter')
  await expect(dialog).toBeVisible()
  await alice.keyboard.press('Shift+Tab')
  await expect.poll(focused).toBe('send-confirm-send')
  await alice.keyboard.press('Enter')
  await expect(dialog).toBeHidden()
  await expect(alice.locator('.thread').getByText('Keyboard reply.')).toBeVisible()
})

test('live regions speak once per change, not on refreshes or clock ticks', async ({
  openAgent,
  conversation,
}) => {
  // One relay refresh (20 s by default, jittered) is waited for.
  test.setTimeout(60_000)
  const stateFrames: number[] = []
  const alice = await openRecorded(openAgent, 'alice', conversation.path, async (page) => {
    await recordAnnouncements(page)
    page.on('websocket', (ws: WebSocket) =>
      ws.on('framereceived', ({ payload }) => {
        // An awareness update carrying a state (a heartbeat is the 3 bytes [1, 1, 0]).
        if (typeof payload !== 'string' && payload[0] === 1 && payload.length > 3) {
          stateFrames.push(Date.now())
        }
      }),
    )
  })
  const viewersSaid = () => announcements(alice, 'sightline-viewers live')

  const bob = await openAgent('bob', conversation.path)
  await expect(viewer(alice, 'bob')).toBeVisible()
  await expect
    .poll(viewersSaid)
    .toEqual([{ region: 'sightline-viewers live', text: 'Bob Chen joined.' }])
  const joinedAt = Date.now()
  // The relay re-sends Bob's unchanged state: a frame well after the join is that refresh.
  await expect
    .poll(() => stateFrames.some((t) => t > joinedAt + 10_000), { timeout: 30_000 })
    .toBe(true)
  expect(await viewersSaid()).toHaveLength(1)

  // Alice composes; Bob starts replying: one line in the viewers' region, and for Alice, who
  // started first, one calm status line (the alarm is Bob's: he came second).
  await alice.getByTestId('reply-open').click()
  await bob.getByTestId('reply-open').click()
  const warning = alice.getByTestId('reply-warning')
  await expect(warning).toBeVisible()
  await expect.poll(viewersSaid).toHaveLength(2)
  expect((await viewersSaid())[1]?.text).toBe('Bob Chen started replying.')
  // Let the warning's "(since N s)" tick twice: what is spoken must not change with it.
  await expect(warning).toContainText(/since ([3-9]|\d\d) s/, { timeout: 10_000 })
  const said = await announcements(alice, 'sightline-reply-warning status')
  expect(said.map((a) => a.text)).toEqual([
    'Bob Chen is also replying. You started replying first.',
  ])
  expect(await announcements(alice, 'sightline-reply-warning alert')).toEqual([])

  // Bob sends anyway: Alice's notice speaks once, not each second its "N s ago" changes.
  await bob.getByTestId('reply-editor').fill('Bob was faster.')
  await bob.getByTestId('reply-send').click()
  await bob.getByTestId('send-confirm-send').click()
  const notice = alice.getByTestId('replied-notice')
  await expect(notice).toContainText(/Bob Chen replied \d+ s ago/)
  await expect(notice).toContainText(/replied ([3-9]|\d\d) s ago/, { timeout: 10_000 })
  const statuses = await announcements(alice, 'sightline-replied-notice status')
  expect(statuses.map((a) => a.text)).toEqual([expect.stringContaining('Bob Chen replied')])
})

/** Presses Tab until the element with `testId` has focus (at most 40 times). */
async function tabTo(page: Page, testId: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const at = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))
    if (at === testId) return
    await page.keyboard.press('Tab')
  }
  throw new Error(`${testId} is not reachable with Tab`)
}

/** Runs in the page: one section with every widget element in each of its states. */
function mountWidgetStates(): void {
  const now = Date.now()
  const user = (id: string, name: string) => ({ id, name })
  const v = (id: string, name: string, activity: 'viewing' | 'replying', away = false) => ({
    user: user(id, name),
    activity,
    away,
    since: now - 20_000,
    tabs: 1,
  })
  const crowd = [
    v('bob', 'Bob Chen', 'replying'),
    v('carol', 'Carol Diaz', 'viewing', true),
    v('dave', 'Dave Okafor', 'viewing'),
    v('erin', 'Erin Walsh', 'viewing'),
    v('frank', 'Frank Moreau', 'replying', true),
  ]
  const section = document.createElement('section')
  section.id = 'a11y-widgets'
  section.setAttribute('aria-label', 'Widget states')
  section.innerHTML = `
    <sightline-viewers max="3"></sightline-viewers>
    <sightline-reply-warning composing></sightline-reply-warning>
    <sightline-replied-notice></sightline-replied-notice>
    <ul><li>Row 1 <sightline-list-badge data-row="replying"></sightline-list-badge></li>
    <li>Row 2 <sightline-list-badge data-row="viewing"></sightline-list-badge></li></ul>`
  document.querySelector('main')?.append(section) ?? document.body.append(section)
  type Settable = HTMLElement & Record<string, unknown>
  const el = (selector: string) => section.querySelector(selector) as Settable
  el('sightline-viewers').viewers = crowd
  el('sightline-reply-warning').viewers = crowd
  el('sightline-replied-notice').replies = [{ user: user('bob', 'Bob Chen'), at: now - 20_000 }]
  el('[data-row="replying"]').viewers = crowd
  el('[data-row="viewing"]').viewers = [crowd[2], crowd[3]]
}
