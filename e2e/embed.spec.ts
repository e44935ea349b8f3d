/**
 * Script-tag embedding, as a server-rendered helpdesk (FreeScout) does it: a bare page served
 * by the helpdesk's own HTTP server, no bundler, only `<script src="sightline.iife.js">` (the
 * widget's all-in-one bundle, built by scripts/build-app.mjs) and a token from the helpdesk
 * backend. Two agents on such pages must see each other through the real relay.
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { type Browser, expect, type Page, test } from '@playwright/test'
import { conversationRoom } from '@sightline/protocol'
import { E2E_DESK_URL, E2E_HOST } from './e2e-env.js'

const BUNDLE = fileURLToPath(new URL('../packages/widget/dist/sightline.iife.js', import.meta.url))

interface PageConfig {
  readonly relayUrl: string
  readonly room: string
  readonly token: string
}

function conversationPage(config: PageConfig): string {
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
async function startHelpdesk(
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
async function openEmbedded(
  browser: Browser,
  helpdesk: string,
  pages: Map<string, PageConfig>,
  agentId: string,
  room: string,
): Promise<Page> {
  const context = await browser.newContext()
  const session = await context.request.post(`${E2E_DESK_URL}/api/session`, { data: { agentId } })
  expect(session.ok()).toBe(true)
  const { token, relayUrl } = (await session.json()) as { token: string; relayUrl: string }
  pages.set(agentId, { relayUrl, room, token })
  const page = await context.newPage()
  await page.goto(`${helpdesk}/conversation/${agentId}`)
  return page
}

const viewer = (p: Page, userId: string) =>
  p.locator(`sightline-viewers [data-testid="viewer"][data-user-id="${userId}"]`)

test('two agents on script-tag pages see each other, replying, and leaving', async ({
  browser,
}, testInfo) => {
  const pages = new Map<string, PageConfig>()
  const helpdesk = await startHelpdesk(pages)
  try {
    const room = conversationRoom(1, `embed-${testInfo.testId}`)
    const alice = await openEmbedded(browser, helpdesk.url, pages, 'alice', room)
    const bob = await openEmbedded(browser, helpdesk.url, pages, 'bob', room)

    await expect(viewer(alice, 'bob')).toBeVisible({ timeout: 1000 })
    await expect(viewer(bob, 'alice')).toBeVisible({ timeout: 1000 })
    await expect(bob.getByTestId('viewer-label')).toHaveText('Alice Martin is viewing')

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
  } finally {
    helpdesk.server.closeAllConnections()
    await new Promise((resolve) => helpdesk.server.close(resolve))
  }
})
