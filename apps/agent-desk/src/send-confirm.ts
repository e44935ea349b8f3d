/**
 * The in-page "send anyway?" dialog shown when `beforeSend()` reports a collision: someone
 * replied while I was composing, or someone is replying right now. Sightline never blocks
 * hard (no lock, unlike osTicket); it makes the agent decide with the facts in front of them.
 * The facts are worded by the widget's helpers, so they read like the banners.
 */
import type { ReplyConflicts } from '@sightline/presence'
import { type Messages, replyWarningText } from '@sightline/widget'
import { h } from './dom.js'
import { text, widgetText } from './locale.js'

export interface SendConfirm {
  readonly el: HTMLDialogElement
  /** Shows the conflicts; resolves true for "Send anyway", false for Cancel or Escape. */
  ask(conflicts: ReplyConflicts): Promise<boolean>
}

/**
 * One sentence per conflict, in the widget's words for `m` (default: this tab's language):
 * "Bob Chen replied 20 s ago.", "Carol Diaz is already replying …".
 */
export function conflictLines(
  conflicts: ReplyConflicts,
  now = Date.now(),
  m: Messages = widgetText,
): string[] {
  const since = (at: number) => m.duration(now - at)
  const lines = conflicts.repliedBy.map((r) => m.sentences([m.replied(r.user.name, since(r.at))]))
  const replying = replyWarningText(conflicts.replyingNow, since, m)
  if (replying !== null) lines.push(m.sentences([replying]))
  return lines
}

export function createSendConfirm(): SendConfirm {
  const list = h('ul', { class: 'send-confirm-facts', 'data-testid': 'send-confirm-facts' })
  const confirm = h(
    'button',
    { type: 'button', class: 'primary', 'data-testid': 'send-confirm-send' },
    text.sendAnyway,
  )
  const cancel = h('button', { type: 'button', 'data-testid': 'send-confirm-cancel' }, text.cancel)
  const title = h('h2', { id: 'send-confirm-title' }, text.sendAnywayTitle)
  const el = h(
    'dialog',
    { class: 'send-confirm', 'data-testid': 'send-confirm', 'aria-labelledby': title.id },
    title,
    list,
    h('div', { class: 'actions' }, confirm, cancel),
  )

  let settle: ((ok: boolean) => void) | null = null
  const finish = (ok: boolean) => {
    const done = settle
    settle = null
    if (el.open) el.close()
    done?.(ok)
  }
  confirm.addEventListener('click', () => finish(true))
  cancel.addEventListener('click', () => finish(false))
  // Escape closes a modal dialog by itself: that is a cancel.
  el.addEventListener('close', () => finish(false))

  return {
    el,
    ask(conflicts) {
      finish(false) // a dialog still waiting (should not happen) counts as cancelled
      list.replaceChildren(...conflictLines(conflicts).map((line) => h('li', {}, line)))
      return new Promise((resolve) => {
        settle = resolve
        el.showModal()
        cancel.focus()
      })
    },
  }
}
