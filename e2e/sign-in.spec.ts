/** The app's own flow: sign in through the page, open a conversation from the list. */
import { expect, test, viewer } from './fixtures.js'

test('signs in as a demo agent and opens a conversation from the mailbox list', async ({
  page,
}) => {
  await page.goto('/')
  await page.getByTestId('sign-in-dave').click()
  await expect(page).toHaveURL(/\/mailbox\/1$/)
  await expect(page.getByTestId('signed-in-as')).toHaveText('Dave Okafor')

  await page.getByTestId('conversation-link-104').click()
  await expect(page).toHaveURL(/\/mailbox\/1\/conversation\/104$/)
  await expect(
    page.getByRole('heading', { name: 'Email notifications arrive twice' }),
  ).toBeVisible()
  await expect(page.getByTestId('connection-status')).toHaveText('connected')
})

test('an agent without access to a mailbox sees nothing of it and is seen by nobody', async ({
  openAgent,
}) => {
  const path = '/mailbox/2/conversation/201'
  const dave = await openAgent('dave', path)
  await expect(dave.getByTestId('connection-status')).toHaveText('connected')
  const erin = await openAgent('erin', path)
  await expect(erin.getByText('You do not have access to this mailbox.')).toBeVisible()
  await expect(erin.getByTestId('viewers')).toHaveCount(0)
  // Erin never joined the room: Dave does not see her. First the signal that she would have
  // arrived by now: Carol, who has access and opened the page after Erin, is shown.
  const carol = await openAgent('carol', path)
  await expect(viewer(dave, 'carol')).toBeVisible()
  await expect(carol.getByTestId('connection-status')).toHaveText('connected')
  await expect(viewer(dave, 'erin')).toHaveCount(0)
  await expect(viewer(carol, 'erin')).toHaveCount(0)
})
