/**
 * Collision UX, multi-tab over the real relay and app: the warning when someone is
 * already replying, "Bob replied 20 s ago" before I send, the send confirmation, and one first
 * replier in every tab. Plus screenshots of a conversation with three other agents.
 */
import type { Page } from '@playwright/test'
import { expect, test, viewer, viewers, viewersBar } from './fixtures.js'

async function openEditor(page: Page) {
  await page.getByTestId('reply-open').click()
  await expect(page.getByTestId('reply-editor')).toBeVisible()
}

/** Types and submits a reply; the caller deals with the confirmation dialog, if any. */
async function submitReply(page: Page, body: string) {
  await page.getByTestId('reply-editor').fill(body)
  await page.getByTestId('reply-send').click()
}

/**
 * Makes the page hidden as far as the app can tell (document.visibilityState and the
 * visibilitychange event, the path a backgrounded tab takes), so its agent shows as away
 * right now instead of after the 5-minute idle threshold.
 */
async function hidePage(page: Page) {
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true })
    document.dispatchEvent(new Event('visibilitychange'))
  })
}

test('opening the editor while another agent replies warns, naming them and since when', async ({
  openAgent,
  conversation,
}) => {
  const alice = await openAgent('alice', conversation.path)
  const bob = await openAgent('bob', conversation.path)
  await expect(viewer(alice, 'bob')).toBeVisible()

  await openEditor(bob)
  await expect(viewer(alice, 'bob')).toHaveAttribute('data-activity', 'replying')
  // Bob is alone in replying: nothing to warn him about. First the signal that a warning
  // would be there by now: Bob's page holds Alice's state, and the warning element has
  // rendered everything it was given (it shows one for Alice below, once she replies).
  await expect(viewer(bob, 'alice')).toHaveAttribute('data-activity', 'viewing')
  await bob
    .locator('sightline-reply-warning')
    .evaluate((el) => (el as HTMLElement & { updateComplete: Promise<boolean> }).updateComplete)
  await expect(bob.getByTestId('reply-warning')).toHaveCount(0)

  await openEditor(alice)
  const warning = alice.getByTestId('reply-warning')
  await expect(warning).toContainText(/Bob Chen is already replying \(since \d+ s\)/)
  await expect(warning.getByTestId('reply-first')).toHaveText('Bob Chen started replying first')
  await expect(warning.getByTestId('reply-first')).toHaveAttribute('data-user-id', 'bob')
  await expect(warning).toHaveAttribute('data-tone', 'alarm')
  // Bob now sees Alice replying too, and that he was first: a calm notice, not the alarm.
  await expect(bob.getByTestId('reply-warning')).toContainText(
    /Alice Martin is also replying \(since \d+ s\)/,
  )
  await expect(bob.getByTestId('reply-warning')).toHaveAttribute('data-tone', 'calm')
  await expect(bob.getByTestId('reply-first')).toHaveText('You started replying first')

  // Bob gives up: Alice's warning goes away.
  await bob.getByTestId('reply-close').click()
  await expect(warning).toHaveCount(0)
})

test('a reply sent while I compose shows before I send, and Send asks before sending', async ({
  openAgent,
  conversation,
}) => {
  const alice = await openAgent('alice', conversation.path)
  const bob = await openAgent('bob', conversation.path)
  await expect(viewer(alice, 'bob')).toBeVisible()

  await openEditor(alice)
  await expect(alice.getByTestId('replied-notice')).toHaveCount(0)

  // Bob replies while Alice composes. He is told she is replying and sends anyway.
  await openEditor(bob)
  await submitReply(bob, 'Bob here: refund issued.')
  const bobDialog = bob.getByTestId('send-confirm')
  await expect(bobDialog).toBeVisible()
  await expect(bobDialog.getByTestId('send-confirm-facts')).toContainText(
    /Alice Martin is already replying \(since \d+ s\)/,
  )
  await bobDialog.getByTestId('send-confirm-send').click()
  await expect(bobDialog).toBeHidden()
  await expect(bob.getByText('Bob here: refund issued.')).toBeVisible()

  // Alice sees it before she sends, within a second.
  const notice = alice.getByTestId('replied-notice')
  await expect(notice).toContainText(/Bob Chen replied \d+ s ago/, { timeout: 1_000 })

  // Send does not go out blindly: Cancel keeps the draft and sends nothing.
  await submitReply(alice, 'Alice here: refund issued.')
  const dialog = alice.getByTestId('send-confirm')
  await expect(dialog).toBeVisible()
  await expect(dialog.getByTestId('send-confirm-facts')).toHaveText(
    /^Bob Chen replied \d+ s ago\.$/,
  )
  await dialog.getByTestId('send-confirm-cancel').click()
  await expect(dialog).toBeHidden()
  await expect(alice.getByTestId('reply-editor')).toHaveValue('Alice here: refund issued.')
  await expect(alice.getByText('Alice here: refund issued.', { exact: true })).toHaveCount(0)
  await expect(viewer(bob, 'alice')).toHaveAttribute('data-activity', 'replying')

  // Confirming sends it.
  await alice.getByTestId('reply-send').click()
  await expect(dialog).toBeVisible()
  await dialog.getByTestId('send-confirm-send').click()
  await expect(alice.locator('.thread').getByText('Alice here: refund issued.')).toBeVisible()
  await expect(viewer(bob, 'alice')).toHaveAttribute('data-activity', 'viewing')

  // Bob composes again: replies from before that are not news to this composition...
  await openEditor(bob)
  await expect(bob.getByTestId('replied-notice')).toHaveCount(0)
  await openEditor(alice)
  await submitReply(alice, 'Alice again.')
  // ...but one sent while he composes is.
  await expect(alice.getByTestId('send-confirm')).toBeVisible() // Bob is replying now
  await alice.getByTestId('send-confirm-send').click()
  await expect(bob.getByTestId('replied-notice')).toContainText(/Alice Martin replied \d+ s ago/)
})

test('with nobody replying and no reply meanwhile, Send sends at once', async ({
  openAgent,
  conversation,
}) => {
  const alice = await openAgent('alice', conversation.path)
  const carol = await openAgent('carol', conversation.path)
  await expect(viewer(alice, 'carol')).toBeVisible()

  // Carol is replying: Alice is asked; Carol stops: Alice is not asked any more.
  await openEditor(carol)
  await expect(viewer(alice, 'carol')).toHaveAttribute('data-activity', 'replying')
  await openEditor(alice)
  await submitReply(alice, 'First try.')
  await expect(alice.getByTestId('send-confirm-facts')).toContainText(
    /Carol Diaz is already replying/,
  )
  await alice.getByTestId('send-confirm-cancel').click()
  await carol.getByTestId('reply-close').click()
  await expect(viewer(alice, 'carol')).toHaveAttribute('data-activity', 'viewing')

  await alice.getByTestId('reply-send').click()
  await expect(alice.locator('.thread').getByText('First try.')).toBeVisible()
  await expect(alice.getByTestId('send-confirm')).toBeHidden()
  await expect(alice.getByTestId('reply-editor')).toBeHidden()
})

test('two agents opening the editor at once agree on who was first', async ({
  openAgent,
  conversation,
}) => {
  const alice = await openAgent('alice', conversation.path)
  const bob = await openAgent('bob', conversation.path)
  const carol = await openAgent('carol', conversation.path)
  await expect(viewers(carol)).toHaveCount(2)
  await expect(viewers(alice)).toHaveCount(2)
  await expect(viewers(bob)).toHaveCount(2)

  await Promise.all([openEditor(alice), openEditor(bob)])
  const aliceFirst = alice.getByTestId('reply-first')
  const bobFirst = bob.getByTestId('reply-first')
  await expect(aliceFirst).toHaveAttribute('data-user-id', /^(alice|bob)$/)
  const first = (await aliceFirst.getAttribute('data-user-id')) as 'alice' | 'bob'
  const second = first === 'alice' ? 'bob' : 'alice'
  const names = { alice: 'Alice Martin', bob: 'Bob Chen' }
  const pages = { alice, bob }

  await expect(bobFirst).toHaveAttribute('data-user-id', first)
  await expect(pages[first].getByTestId('reply-first')).toHaveText('You started replying first')
  await expect(pages[second].getByTestId('reply-first')).toHaveText(
    `${names[first]} started replying first`,
  )
  // An onlooker's bar puts the same agent first.
  await expect(viewers(carol).first()).toHaveAttribute('data-user-id', first)
  await expect(viewers(carol).first()).toHaveAttribute('data-activity', 'replying')
  await expect(viewers(carol).nth(1)).toHaveAttribute('data-activity', 'replying')
})

test('screenshot: a conversation with three other agents, one replying, one away', async ({
  openAgent,
  conversation,
}) => {
  const alice = await openAgent('alice', conversation.path)
  const bob = await openAgent('bob', conversation.path)
  const carol = await openAgent('carol', conversation.path)
  const dave = await openAgent('dave', conversation.path)
  await expect(viewers(alice)).toHaveCount(3)
  await expect(dave.getByTestId('connection-status')).toHaveText('connected')

  await openEditor(bob)
  await hidePage(carol)
  await expect(viewer(alice, 'bob')).toHaveAttribute('data-activity', 'replying')
  await expect(viewer(alice, 'carol')).toHaveAttribute('data-away', 'true')
  await expect(viewer(alice, 'dave')).toHaveAttribute('data-away', 'false')
  await expect(viewersBar(alice).getByTestId('viewer-label')).toHaveText([
    'Bob Chen is replying',
    'Carol Diaz is viewing (away)',
    'Dave Okafor is viewing',
  ])
  await expect(alice.locator('h1')).toHaveText(/Conversation /)
  await expect(alice.getByTestId('connection-status')).toHaveText('connected')
  // Nothing hovered or focused, so no tooltip (the only place a relative time could show).
  await alice.mouse.move(0, 0)
  await alice.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())

  // Scoped to the widget, so losing or blanking any part of it changes most of the picture
  // (a whole-page screenshot with a 2 % budget let a blank viewers bar pass). A budget of 20
  // pixels, not 1 % of the bar (about 200): the replying pencil (14 px square) and the away
  // muting of one avatar (28 px square) each change far more than 20, and rendering here is
  // pixel-identical to the baseline.
  const options = {
    maxDiffPixels: 20,
    animations: 'disabled' as const,
    caret: 'hide' as const,
  }
  // What a 1 % budget over the bar hides (a 14 px pencil, one faded avatar), asserted outright:
  // the replying agent's chip carries the pencil, the others none.
  await expect(viewer(alice, 'bob').locator('.pencil svg')).toBeVisible()
  await expect(viewer(alice, 'carol').locator('.pencil')).toHaveCount(0)
  await expect(viewer(alice, 'dave').locator('.pencil')).toHaveCount(0)
  for (const colorScheme of ['light', 'dark'] as const) {
    await alice.emulateMedia({ colorScheme })
    await expect(viewersBar(alice)).toHaveScreenshot(
      `viewers-three-viewers-${colorScheme}.png`,
      options,
    )
  }
})
