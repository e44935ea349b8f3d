/**
 * Signing in demo agents with a session the test may adjust before the app sees it: the app
 * reads the relay URL from its session, so pointing one agent at a proxy or at a relay process
 * the test owns needs no change to the app.
 */
import { type APIRequestContext, type BrowserContext, expect, type Page } from '@playwright/test'
import { E2E_DESK_URL } from '../e2e-env.js'
import type { AgentId } from '../fixtures.js'

/** What `POST /api/session` returns and the app keeps in sessionStorage. */
export interface DeskSession {
  readonly token: string
  readonly user: { readonly id: string; readonly name: string }
  readonly relayUrl: string
  readonly mailboxes: readonly { readonly id: string; readonly name: string }[]
}

const SESSION_KEY = 'sightline.session'

/** Signs `agentId` in through the demo API (a real HS256 token from the desk server). */
export async function signIn(request: APIRequestContext, agentId: AgentId): Promise<DeskSession> {
  const res = await request.post(`${E2E_DESK_URL}/api/session`, { data: { agentId } })
  expect(res.ok(), `sign in as ${agentId}`).toBe(true)
  return (await res.json()) as DeskSession
}

/**
 * Opens `path` (a query string may follow) in a new page of `context`, signed in with
 * `session`. Every page of the context starts with that session.
 */
export async function openSignedIn(
  context: BrowserContext,
  session: DeskSession,
  path: string,
): Promise<Page> {
  await context.addInitScript(
    ([key, value]) => {
      if (window.sessionStorage.getItem(key) === null) window.sessionStorage.setItem(key, value)
    },
    [SESSION_KEY, JSON.stringify(session)] as const,
  )
  const page = await context.newPage()
  await page.goto(new URL(path, E2E_DESK_URL).href)
  return page
}

/** The page's connection status text (`connected`, `reconnecting`, ...). */
export function connectionStatus(page: Page) {
  return page.getByTestId('connection-status')
}
