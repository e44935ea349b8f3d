/**
 * Script-tag embedding, as a server-rendered helpdesk (FreeScout) does it: a bare page served
 * by the helpdesk's own HTTP server, no bundler, only `<script src="sightline.iife.js">` (the
 * widget's all-in-one bundle, built by scripts/build-app.mjs) and a token from the helpdesk
 * backend. Two agents on such pages must see each other through the real relay.
 */
import { expect, test } from '@playwright/test'
import { conversationRoom } from '@sightline/protocol'
import {
  openEmbedded,
  type PageConfig,
  seeEachOtherReplyingLeaving,
  startHelpdesk,
  stopHelpdesk,
} from './support/helpdesk-page.js'

test('two agents on script-tag pages see each other, replying, and leaving', async ({
  browser,
}, testInfo) => {
  const pages = new Map<string, PageConfig>()
  const helpdesk = await startHelpdesk(pages)
  try {
    const room = conversationRoom(1, `embed-${testInfo.testId}`)
    const alice = await openEmbedded(browser, helpdesk.url, pages, 'alice', room)
    const bob = await openEmbedded(browser, helpdesk.url, pages, 'bob', room)

    await expect(bob.getByTestId('viewer-label')).toHaveText('Alice Martin is viewing', {
      timeout: 1000,
    })
    await seeEachOtherReplyingLeaving(alice, bob)
  } finally {
    await stopHelpdesk(helpdesk.server)
  }
})
