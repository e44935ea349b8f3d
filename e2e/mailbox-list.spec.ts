/**
 * Live presence in the mailbox list, in real Chromium over the real relay and app:
 * each row's badge follows who is on that conversation, within 1 s, without a reload.
 *
 * The list shows the seeded conversations of mailbox 1 (101-106), shared by every test of the
 * run: this file uses 101-103 and 105 only (sign-in.spec.ts opens 104), in one test.
 */
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures.js'

const conversationPath = (id: string) => `/mailbox/1/conversation/${id}`

/** The badge inside the `<sightline-list-badge>` of conversation `id`'s row. */
const badge = (list: Page, id: string) =>
  list.getByTestId(`row-badge-${id}`).getByTestId('list-badge')

const avatars = (list: Page, id: string) =>
  list.getByTestId(`row-badge-${id}`).getByTestId('list-badge-avatar')

async function expectConnected(page: Page) {
  await expect(page.getByTestId('connection-status')).toHaveText('connected')
}

test('the list shows who views and who replies to each conversation, live', async ({
  openAgent,
}) => {
  // Eight pages opened and signed in one after the other: past the default 30 s on a loaded
  // two-core machine (each bound below keeps its own timeout).
  test.setTimeout(90_000)
  const list = await openAgent('erin', '/mailbox/1')
  await expect(list.getByTestId('list-connection-status')).toHaveText('connected')
  await expect(badge(list, '101')).toHaveAttribute('data-state', 'none')

  // Three agents in three tabs on three conversations; Bob replies.
  const alice = await openAgent('alice', conversationPath('101'))
  const bob = await openAgent('bob', conversationPath('102'))
  const carol = await openAgent('carol', conversationPath('103'))
  await Promise.all([alice, bob, carol].map(expectConnected))
  await bob.getByTestId('reply-open').click()

  await expect(badge(list, '101')).toHaveAttribute('data-state', 'viewing')
  await expect(badge(list, '102')).toHaveAttribute('data-state', 'replying')
  await expect(badge(list, '103')).toHaveAttribute('data-state', 'viewing')
  await expect(avatars(list, '101')).toHaveAttribute('data-user-id', 'alice')
  await expect(avatars(list, '102')).toHaveAttribute('data-activity', 'replying')
  await expect(avatars(list, '103')).toHaveAttribute('data-user-id', 'carol')
  await expect(badge(list, '105')).toHaveAttribute('data-state', 'none')
  await expect(badge(list, '102')).toHaveAttribute('aria-label', 'Bob Chen is replying')

  // Closing a conversation tab clears its badge within 1 s.
  await carol.close()
  await expect(badge(list, '103')).toHaveAttribute('data-state', 'none', { timeout: 1_000 })
  await expect(avatars(list, '103')).toHaveCount(0)

  // Opening the reply editor turns the badge red within 1 s; closing it turns it back.
  await alice.getByTestId('reply-open').click()
  await expect(badge(list, '101')).toHaveAttribute('data-state', 'replying', { timeout: 1_000 })
  await alice.getByTestId('reply-close').click()
  await expect(badge(list, '101')).toHaveAttribute('data-state', 'viewing', { timeout: 1_000 })

  // A second agent joining a row adds an avatar; the replier stays first.
  const dave = await openAgent('dave', conversationPath('102'))
  await expectConnected(dave)
  await expect(avatars(list, '102')).toHaveCount(2, { timeout: 1_000 })
  await expect(avatars(list, '102').first()).toHaveAttribute('data-user-id', 'bob')

  // The list agent's own tabs are not "other agents". First the signal that Erin's tab would
  // be on the list by now: Alice, who opens the same conversation after her, is shown alone.
  const erinTab = await openAgent('erin', conversationPath('105'))
  await expectConnected(erinTab)
  const control = await openAgent('alice', conversationPath('105'))
  await expectConnected(control)
  await expect(avatars(list, '105')).toHaveCount(1)
  await expect(avatars(list, '105')).toHaveAttribute('data-user-id', 'alice')
  await control.close()
  await expect(badge(list, '105')).toHaveAttribute('data-state', 'none')
  await expect(badge(list, '101')).toHaveAttribute('data-state', 'viewing')

  // A list page opened now gets every badge at once.
  const late = await openAgent('carol', '/mailbox/1')
  await expect(badge(late, '101')).toHaveAttribute('data-state', 'viewing')
  await expect(badge(late, '102')).toHaveAttribute('data-state', 'replying')
  await expect(avatars(late, '105')).toHaveAttribute('data-user-id', 'erin')
  await expect(badge(late, '103')).toHaveAttribute('data-state', 'none')
})

test('an agent without the mailbox gets no list and no list connection', async ({ openAgent }) => {
  const erin = await openAgent('erin', '/mailbox/2')
  await expect(erin.getByText('You do not have access to this mailbox.')).toBeVisible()
  await expect(erin.getByTestId('list-connection-status')).toHaveText('')
  await expect(erin.locator('sightline-list-badge')).toHaveCount(0)
})
