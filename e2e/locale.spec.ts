/**
 * Two agents in Chinese over the real relay and app (`?lang=zh-CN`): the desk sets
 * `<html lang>`, the widget follows it, and every collision sentence, the dialog included, is
 * Chinese with Intl's durations. And a right-to-left page mirrors the viewers bar.
 */
import type { Page } from '@playwright/test'
import { expect, test, viewer, viewersBar } from './fixtures.js'

async function openEditor(page: Page) {
  await page.getByTestId('reply-open').click()
  await expect(page.getByTestId('reply-editor')).toBeVisible()
}

test('two agents in Chinese: viewers, warning, calm notice, dialog and replied notice', async ({
  openAgent,
  conversation,
}) => {
  const path = `${conversation.path}?lang=zh-CN`
  const alice = await openAgent('alice', path)
  const bob = await openAgent('bob', path)
  await expect(alice.locator('html')).toHaveAttribute('lang', 'zh-CN')
  await expect(viewersBar(alice).getByTestId('viewer-label')).toHaveText('Bob Chen正在查看')
  await expect(alice.getByTestId('reply-open')).toHaveText('回复')

  await openEditor(bob)
  await expect(viewersBar(alice).getByTestId('viewer-label')).toHaveText('Bob Chen正在回复')
  await openEditor(alice)
  const warning = alice.getByTestId('reply-warning')
  await expect(warning).toContainText(/Bob Chen已在回复（已\d+秒）/)
  await expect(warning.getByTestId('reply-first')).toHaveText('Bob Chen最先开始回复')
  await expect(warning).toHaveAttribute('data-tone', 'alarm')
  const calm = bob.getByTestId('reply-warning')
  await expect(calm).toContainText(/Alice Martin也在回复（已\d+秒）/)
  await expect(calm.getByTestId('reply-first')).toHaveText('你最先开始回复')
  await expect(calm).toHaveAttribute('data-tone', 'calm')

  // Bob sends while Alice replies: the dialog asks in Chinese, in the banners' words.
  await bob.getByTestId('reply-editor').fill('退款已处理。')
  await bob.getByTestId('reply-send').click()
  const dialog = bob.getByTestId('send-confirm')
  await expect(dialog).toHaveAccessibleName('仍然发送？')
  await expect(dialog.getByTestId('send-confirm-facts')).toHaveText(
    /^Alice Martin已在回复（已\d+秒）。$/,
  )
  await dialog.getByTestId('send-confirm-send').click()
  await expect(alice.getByTestId('replied-notice')).toContainText(/Bob Chen已于\d+秒前回复/)
  await expect(alice.getByTestId('replied-notice-dismiss')).toHaveAttribute('aria-label', '关闭')
})

test('a right-to-left page mirrors the viewers bar', async ({ openAgent, conversation }) => {
  const alice = await openAgent('alice', `${conversation.path}?lang=ar`)
  const bob = await openAgent('bob', conversation.path)
  await expect(alice.locator('html')).toHaveAttribute('dir', 'rtl')
  await openEditor(bob)
  const bobThere = viewer(alice, 'bob')
  await expect(bobThere).toHaveAttribute('data-activity', 'replying')
  // The pencil sits at the avatar's inline end (its left in RTL), the label before it.
  const chip = await bobThere.locator('.chip').boundingBox()
  const pencil = await bobThere.locator('.pencil').boundingBox()
  const label = await bobThere.getByTestId('viewer-label').boundingBox()
  expect(chip && pencil && label).toBeTruthy()
  if (!chip || !pencil || !label) return
  expect(pencil.x).toBeLessThan(chip.x + chip.width / 2)
  expect(label.x + label.width).toBeLessThanOrEqual(chip.x + 1)
  await alice.mouse.move(0, 0)
  await expect(viewersBar(alice)).toHaveScreenshot('viewers-rtl.png', {
    maxDiffPixelRatio: 0.01,
    animations: 'disabled',
  })
})
