/**
 * Idle, with the default threshold of 5 minutes: Bob's page runs on
 * Playwright's clock from the start, so his app's idle timer and monotonic clock can be
 * moved 5 minutes ahead in a moment; his socket and the relay keep real time.
 */
import { expect, test, viewer } from './fixtures.js'
import { connectionStatus, openSignedIn, signIn } from './support/agents.js'
import { recordAvatar } from './support/viewer-recorder.js'

const IDLE_TIMEOUT_MS = 300_000

test('no input for 5 minutes makes an agent away for the others; input brings them back within 1 s', async ({
  openAgent,
  browser,
  request,
  conversation,
}) => {
  const alice = await openAgent('alice', conversation.path)
  const bobContext = await browser.newContext()
  try {
    await bobContext.clock.install()
    const bob = await openSignedIn(bobContext, await signIn(request, 'bob'), conversation.path)
    await expect(connectionStatus(bob)).toHaveText('connected')
    await expect(viewer(alice, 'bob')).toHaveAttribute('data-away', 'false')
    const bobLog = await recordAvatar(alice, 'bob')

    // Just short of the threshold (the unit test in packages/presence/test/idle.test.ts pins
    // "not before"); the 295 s leap must not cost the connection either.
    await bobContext.clock.fastForward(IDLE_TIMEOUT_MS - 5_000)
    await expect(connectionStatus(bob)).toHaveText('connected')
    // Past it: away within 1 s. The second leap stays under the 7 s heartbeat: page time jumps
    // while real time does not, so a leap of the whole 10 s liveness timeout, taken before the
    // answer to the heartbeat the first leap sent had arrived, was 10 s of silence to the
    // client's liveness clock (it then rightly reconnected: "gone" to the others).
    await bobContext.clock.fastForward(5_000)
    await expect(viewer(alice, 'bob')).toHaveAttribute('data-away', 'true', { timeout: 1_000 })

    // Any input: here again within 1 s.
    await bob.mouse.move(20, 20)
    await bob.mouse.move(40, 40)
    await expect(viewer(alice, 'bob')).toHaveAttribute('data-away', 'false', { timeout: 1_000 })

    // Never gone meanwhile, and the clock leap cost Bob no reconnect.
    expect(await bobLog.states()).toEqual(['here', 'away', 'here'])
    await expect(connectionStatus(bob)).toHaveText('connected')
  } finally {
    await bobContext.close()
  }
})
