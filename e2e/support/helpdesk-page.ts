/**
 * A stand-in for a server-rendered helpdesk (FreeScout-like) on loopback: bare pages with only
 * `<script src="sightline.iife.js">` (the widget's all-in-one bundle, built by
 * scripts/build-app.mjs) and a token from the demo backend. Shared by the embedding and the
 * cluster e2e tests.
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { type Browser, expect, type Page } from '@playwright/test'
import { E2E_DESK_URL, E2E_HOST } from '../e2e-env.js'

const BUNDLE = fileURLToPath(
  new URL('../../packages/widget/dist/sightline.iife.js', import.meta.url),
)

export interface PageConfig {
  readonly relayUrl: string
  readonly room: string
  readonly token: string
}

export function conversationPage(config: PageConfig): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Conversation</title></head>
<body>
  <sightline-viewers max="5"></sightline-viewers>
  <script src="/assets/sightline.iife.js"></script>
  <script>
    const config = ${JSON.stringify(config)}
    window.presence = Sightline.createPresence({ url: config.relayUrl, room: config.room, token: config.token })
    document.querySelector('sightline-viewers').client = window.presence
  </script>
</body></html>`
}

/**
 * A stand-in for the helpdesk's page server on loopback: `/conversation/<agentId>` renders the
 * page with that agent's token, `/assets/sightline.iife.js` the bundle.
 */
export async function startHelpdesk(
  pages: Map<string, PageConfig>,
): Promise<{ url: string; server: Server }> {
  const bundle = readFileSync(BUNDLE, 'utf8')
  const server = createServer((req, res) => {
    if (req.url === '/assets/sightline.iife.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle)
      return
    }
    const config = pages.get(req.url?.replace('/conversation/', '') ?? '')
    if (config === undefined) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end(conversationPage(config))
  })
  await new Promise<void>((resolve) => server.listen(0, E2E_HOST, resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://${E2E_HOST}:${port}`, server }
}

/** Signs `agentId` in at the demo backend and opens its page in a context of its own. */
export async function openEmbedded(
  browser: Browser,
  helpdesk: string,
  pages: Map<string, PageConfig>,
  agentId: string,
  room: string,
  /** The relay this agent's page uses (default: the one the demo backend names). */
  relayUrl?: string,
): Promise<Page> {
  const context = await browser.newContext()
  const session = await context.request.post(`${E2E_DESK_URL}/api/session`, { data: { agentId } })
  expect(session.ok()).toBe(true)
  const issued = (await session.json()) as { token: string; relayUrl: string }
  pages.set(agentId, { relayUrl: relayUrl ?? issued.relayUrl, room, token: issued.token })
  const page = await context.newPage()
  await page.goto(`${helpdesk}/conversation/${agentId}`)
  return page
}

/** Stops a helpdesk page server from `startHelpdesk`. */
export async function stopHelpdesk(server: Server): Promise<void> {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
}

/** The viewer entry of `userId` in a page's `<sightline-viewers>`. */
export const viewer = (p: Page, userId: string) =>
  p.locator(`sightline-viewers [data-testid="viewer"][data-user-id="${userId}"]`)

/**
 * Two agents' pages (`window.presence` each): each shows the other within 1 s, Bob replying
 * shows on Alice's page within 1 s, and Bob closing his page removes him within 1 s.
 */
export async function seeEachOtherReplyingLeaving(alice: Page, bob: Page): Promise<void> {
  await expect(viewer(alice, 'bob')).toBeVisible({ timeout: 1000 })
  await expect(viewer(bob, 'alice')).toBeVisible({ timeout: 1000 })
  await bob.evaluate(() =>
    (window as unknown as { presence: { setActivity(a: string): void } }).presence.setActivity(
      'replying',
    ),
  )
  await expect(viewer(alice, 'bob')).toHaveAttribute('data-activity', 'replying', {
    timeout: 1000,
  })
  await bob.context().close()
  await expect(viewer(alice, 'bob')).toHaveCount(0, { timeout: 1000 })
  await alice.context().close()
}
