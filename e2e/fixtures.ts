/**
 * Multi-tab fixtures (the liveblocks e2e pattern): every test gets a conversation of its own,
 * derived from its testInfo, so parallel tests never share a room; `openAgent` opens a page
 * in a new browser context signed in as a demo agent, so each context is a different agent
 * exactly like two people at two computers. Contexts close when the test ends.
 */
import {
  type BrowserContext,
  test as base,
  expect,
  type Locator,
  type Page,
} from '@playwright/test'

export type AgentId = 'alice' | 'bob' | 'carol' | 'dave' | 'erin'

export interface TestConversation {
  readonly mailboxId: string
  readonly id: string
  /** App path of the conversation page. */
  readonly path: string
}

interface Fixtures {
  /** A conversation no other test uses (empty thread, in mailbox 1). */
  conversation: TestConversation
  /** Another one, for tests that move between conversations. */
  otherConversation: TestConversation
  /** Opens `path` in a new browser context signed in as `agentId`. */
  openAgent: (agentId: AgentId, path: string) => Promise<Page>
}

const SESSION_KEY = 'sightline.session'

function testConversation(mailboxId: string, id: string): TestConversation {
  return { mailboxId, id, path: `/mailbox/${mailboxId}/conversation/${id}` }
}

export const test = base.extend<Fixtures>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern
  conversation: async ({}, use, testInfo) => {
    const id = `e2e-${testInfo.testId}-${testInfo.repeatEachIndex}-${testInfo.retry}`
    await use(testConversation('1', id.replace(/[^A-Za-z0-9_-]/g, '_')))
  },
  otherConversation: async ({ conversation }, use) => {
    await use(testConversation(conversation.mailboxId, `${conversation.id}-b`))
  },
  openAgent: async ({ browser, request }, use) => {
    const contexts: BrowserContext[] = []
    await use(async (agentId, path) => {
      const res = await request.post('/api/session', { data: { agentId } })
      expect(res.ok(), `sign in as ${agentId}`).toBe(true)
      const session = await res.text()
      const context = await browser.newContext()
      contexts.push(context)
      // Every tab of this context starts signed in (sessionStorage is per tab).
      await context.addInitScript(
        ([key, value]) => {
          if (window.sessionStorage.getItem(key) === null) window.sessionStorage.setItem(key, value)
        },
        [SESSION_KEY, session] as const,
      )
      const page = await context.newPage()
      await page.goto(path)
      return page
    })
    await Promise.all(contexts.map((c) => c.close()))
  },
})

export { expect }

/** Another tab of the same agent (same browser context), at `path`. */
export async function openTab(page: Page, path: string): Promise<Page> {
  const tab = await page.context().newPage()
  await tab.goto(path)
  return tab
}

/**
 * The app's viewers bar: the `<sightline-viewers>` host. (Matched by tag too, because the
 * widget's own inner group reuses the test id "viewers".)
 */
export function viewersBar(page: Page): Locator {
  return page.locator('sightline-viewers[data-testid="viewers"]')
}

/** Every avatar in a page's viewers bar (Playwright pierces the open shadow root). */
export function viewers(page: Page): Locator {
  return viewersBar(page).getByTestId('viewer')
}

/** The avatar of `userId` in a page's viewers bar. */
export function viewer(page: Page, userId: AgentId): Locator {
  return viewersBar(page).locator(`[data-testid="viewer"][data-user-id="${userId}"]`)
}

/** Client-side navigation, as the browser's back/forward would do it: no page load. */
export async function navigateInApp(page: Page, path: string): Promise<void> {
  await page.evaluate((to) => {
    history.pushState(null, '', to)
    window.dispatchEvent(new PopStateEvent('popstate'))
  }, path)
}
