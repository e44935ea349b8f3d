/**
 * The widget in someone else's page: every element in every state, on a light page, a dark
 * page and a navy header inside a light page, with the OS set to light and then to dark.
 * The colours follow the page (its `color-scheme` and text colour), never the OS; the agent
 * who started replying first sees a calm notice, the one who came second the warning.
 * Screenshots of each, reviewed by eye when they change.
 */
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures.js'

/** The pages the elements are put into: scheme, background and text colour of the host. */
const HOSTS = {
  light: 'color-scheme: light; background: #ffffff; color: #1d2330',
  dark: 'color-scheme: dark; background: #0d1117; color: #e6edf3',
  navy: 'color-scheme: light; background: #1b2a4a; color: #ffffff',
} as const
type Host = keyof typeof HOSTS

/** Runs in the page: one section per host with every element in each of its states. */
function mountStates(hosts: Record<string, string>): void {
  // Three minutes ago: "3 min" does not tick while the screenshots are taken.
  const at = Date.now() - 185_000
  const user = (id: string, name: string) => ({ id, name })
  const v = (id: string, name: string, activity: 'viewing' | 'replying', away = false) => ({
    user: user(id, name),
    activity,
    away,
    since: at,
    tabs: 1,
  })
  const bob = v('bob', 'Bob Chen', 'replying')
  const crowd = [
    bob,
    v('carol', 'Carol Diaz', 'viewing', true),
    v('dave', 'Dave Okafor', 'viewing'),
    v('erin', 'Erin Walsh', 'viewing'),
    v('frank', 'Frank Moreau', 'viewing'),
  ]
  /** A client as a PresenceClient looks to the reply warning: others, me, the first replier. */
  const client = (first: typeof bob) => ({
    user: { id: 'alice' },
    firstReplier: () => first,
    subscribe: (listener: (viewers: typeof crowd) => void) => {
      listener([bob])
      return () => {}
    },
  })
  for (const [name, style] of Object.entries(hosts)) {
    const section = document.createElement('section')
    section.dataset['host'] = name
    // A named font: what `sans-serif` resolves to depends on the machine's fonts (Chromium
    // picks Liberation Sans where it is installed, DejaVu Sans where only it is), and these
    // screenshots compare pixels.
    section.setAttribute(
      'style',
      `${style}; padding: 12px; width: 560px; font: 14px 'DejaVu Sans', sans-serif`,
    )
    section.innerHTML = `
      <sightline-viewers max="3"></sightline-viewers>
      <sightline-reply-warning data-state="second" composing></sightline-reply-warning>
      <sightline-reply-warning data-state="first" composing></sightline-reply-warning>
      <sightline-replied-notice></sightline-replied-notice>
      <p>Row 1 <sightline-list-badge data-row="replying"></sightline-list-badge>
      Row 2 <sightline-list-badge data-row="viewing"></sightline-list-badge></p>`
    document.body.prepend(section)
    type Settable = HTMLElement & Record<string, unknown>
    const el = (selector: string) => section.querySelector(selector) as Settable
    el('sightline-viewers').viewers = crowd
    el('[data-state="second"]').client = client(bob)
    el('[data-state="first"]').client = client(v('alice', 'Alice Martin', 'replying'))
    el('sightline-replied-notice').replies = [{ user: user('bob', 'Bob Chen'), at }]
    el('[data-row="replying"]').viewers = crowd
    el('[data-row="viewing"]').viewers = crowd.slice(2)
  }
}

const section = (page: Page, host: Host) => page.locator(`section[data-host="${host}"]`)
/** The computed `property` of the element with `testId` inside `host`'s section. */
const style = (page: Page, host: Host, testId: string, property: string) =>
  section(page, host)
    .getByTestId(testId)
    .first()
    .evaluate((el, p) => getComputedStyle(el).getPropertyValue(p), property)

test.describe('the widget fits the page it is in', () => {
  test.beforeEach(async ({ page }) => {
    await page.goto('/')
    await page.evaluate(mountStates, HOSTS)
    await expect(section(page, 'navy').getByTestId('viewer')).toHaveCount(3)
  })

  for (const os of ['light', 'dark'] as const) {
    test(`colours follow the page, not the OS (OS ${os})`, async ({ page }) => {
      await page.emulateMedia({ colorScheme: os })
      // Text takes the page's colour: white on the navy header, dark on the light page.
      await expect
        .poll(() => style(page, 'navy', 'viewer-label', 'color'))
        .toBe('rgb(255, 255, 255)')
      await expect.poll(() => style(page, 'light', 'viewer-label', 'color')).toBe('rgb(29, 35, 48)')
      // The warning's colours are the page scheme's, whatever the OS says.
      const warningBg = (host: Host) =>
        section(page, host)
          .locator('[data-state="second"]')
          .getByTestId('reply-warning')
          .evaluate((el) => getComputedStyle(el).backgroundColor)
      await expect.poll(() => warningBg('light')).toBe('rgb(255, 235, 233)')
      await expect.poll(() => warningBg('navy')).toBe('rgb(255, 235, 233)')
      await expect.poll(() => warningBg('dark')).toBe('rgb(60, 22, 24)')
    })
  }

  test('the first replier sees a calm notice, the second the warning', async ({ page }) => {
    const light = section(page, 'light')
    const second = light.locator('[data-state="second"]').getByTestId('reply-warning')
    const first = light.locator('[data-state="first"]').getByTestId('reply-warning')
    await expect(second).toHaveAttribute('data-tone', 'alarm')
    await expect(second).toHaveText(
      /^\s*Bob Chen is already replying \(since 3 min\)\s+Bob Chen started replying first\s*$/,
    )
    await expect(first).toHaveAttribute('data-tone', 'calm')
    await expect(first).toHaveText(
      /^\s*Bob Chen is also replying \(since 3 min\)\s+You started replying first\s*$/,
    )
    const background = (l: typeof first) => l.evaluate((el) => getComputedStyle(el).backgroundColor)
    expect(await background(first)).not.toBe(await background(second))
  })

  test('a replying agent has the pencil; an away agent is muted (avatar faded, initials in the text colour)', async ({
    page,
  }) => {
    // Asserted on the DOM and computed styles, not left to a screenshot's pixel budget: a
    // 14 px pencil or one faded avatar is within 1 % of a section.
    for (const host of Object.keys(HOSTS) as Host[]) {
      const bar = section(page, host).locator('sightline-viewers')
      const viewerOf = (id: string) => bar.locator(`[data-testid="viewer"][data-user-id="${id}"]`)
      const chip = (id: string) => viewerOf(id).locator('.chip')
      // Bob replies: his chip carries the pencil, drawn (an icon with a size, on the replying
      // colour); Dave only views: none.
      const pencil = chip('bob').locator('.pencil')
      await expect(pencil).toBeVisible()
      const box = await pencil.locator('svg').boundingBox()
      expect(box?.width).toBeGreaterThanOrEqual(8)
      expect(box?.height).toBeGreaterThanOrEqual(8)
      expect(await pencil.evaluate((el) => getComputedStyle(el).backgroundColor)).not.toMatch(
        /^(transparent|rgba\(0, 0, 0, 0\))$/,
      )
      await expect(chip('dave').locator('.pencil')).toHaveCount(0)

      // Carol is away: her avatar against the same avatar while here (the widget re-rendered
      // with only `away` changed), then back.
      const carolAvatar = () =>
        bar.evaluate(async (el) => {
          await (el as HTMLElement & { updateComplete: Promise<unknown> }).updateComplete
          const avatar = el.shadowRoot?.querySelector('[data-user-id="carol"] .avatar')
          if (!avatar) throw new Error('no avatar for carol')
          const s = getComputedStyle(avatar)
          return { background: s.backgroundColor, color: s.color }
        })
      const setCarolAway = (away: boolean) =>
        bar.evaluate((el, a) => {
          const bar = el as HTMLElement & { viewers: { user: { id: string } }[] }
          bar.viewers = bar.viewers.map((v) => (v.user.id === 'carol' ? { ...v, away: a } : v))
        }, away)
      await expect(viewerOf('carol')).toHaveAttribute('data-away', 'true')
      const away = await carolAvatar()
      await setCarolAway(false)
      await expect(viewerOf('carol')).toHaveAttribute('data-away', 'false')
      const here = await carolAvatar()
      await setCarolAway(true)
      expect(away.background).not.toBe(here.background)
      // The initials take the page's text colour, readable on the faded background (while
      // here they are the avatar's own colour, which on the light and dark pages is another).
      const text = await bar.evaluate((el) => getComputedStyle(el).color)
      expect(away.color).toBe(text)
      if (host !== 'navy') expect(here.color).not.toBe(text)
    }
  })

  test('screenshots: every state on each page, OS light and dark', async ({ page }) => {
    const options = { maxDiffPixelRatio: 0.01, animations: 'disabled' as const }
    await page.mouse.move(0, 0)
    for (const os of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: os })
      for (const host of Object.keys(HOSTS) as Host[]) {
        await expect(section(page, host)).toHaveScreenshot(
          `widget-${host}-page-os-${os}.png`,
          options,
        )
      }
    }
  })
})
