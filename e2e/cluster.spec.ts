/**
 * Cluster mode in real browsers: two agents whose pages use two different relay nodes (as a
 * load balancer may place them), joined through a real Redis, see each other, replying
 * included, and leaving.
 */
import { test } from '@playwright/test'
import { conversationRoom } from '@sightline/protocol'
import { E2E_SECRET } from './e2e-env.js'
import {
  openEmbedded,
  type PageConfig,
  seeEachOtherReplyingLeaving,
  startHelpdesk,
  stopHelpdesk,
} from './support/helpdesk-page.js'
import { startRedis } from './support/redis.js'
import { freePort, startRelayProcess } from './support/relay-process.js'

test('two agents on two relay nodes see each other, replying included', async ({
  browser,
}, testInfo) => {
  const redis = await startRedis()
  const nodes = await Promise.all(
    ['e2e-node-1', 'e2e-node-2'].map(async (id) =>
      startRelayProcess({
        SIGHTLINE_JWT_SECRET: E2E_SECRET,
        PORT: String(await freePort()),
        SIGHTLINE_REDIS_URL: redis.url,
        SIGHTLINE_NODE_ID: id,
      }),
    ),
  )
  const pages = new Map<string, PageConfig>()
  const helpdesk = await startHelpdesk(pages)
  try {
    const room = conversationRoom(1, `cluster-${testInfo.testId}`)
    const alice = await openEmbedded(browser, helpdesk.url, pages, 'alice', room, nodes[0]!.url)
    const bob = await openEmbedded(browser, helpdesk.url, pages, 'bob', room, nodes[1]!.url)

    await seeEachOtherReplyingLeaving(alice, bob)
  } finally {
    await stopHelpdesk(helpdesk.server)
    await Promise.all(nodes.map((n) => n.stop('SIGTERM')))
    await redis.stop()
  }
})
