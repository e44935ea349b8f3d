/**
 * The reply box. Opening it is what "replying" means to other agents: the tab's activity is
 * `replying` exactly while the editor is open, and `viewing` again once it is closed or the
 * reply is sent. While open it shows the widget's warning when someone else is replying (and
 * who started first), and the widget's notice when someone replied meanwhile. Send checks
 * `beforeSend()` and asks in a dialog instead of sending blindly; a sent reply is announced
 * to the room with `markReplySent()`.
 */
import type { PresenceClient } from '@sightline/presence'
import { h } from './dom.js'
import { text } from './locale.js'
import { createSendConfirm } from './send-confirm.js'

export interface ReplyEditor {
  readonly el: HTMLElement
  destroy(): void
}

export interface ReplyEditorOptions {
  readonly client: PresenceClient
  /** Sends the reply; the editor closes when it resolves and stays open when it rejects. */
  readonly send: (body: string) => Promise<void>
}

/** The editor's elements: the widget's warning and notice, the text box and its buttons. */
function editorParts(client: PresenceClient) {
  const warning = h('sightline-reply-warning')
  warning.client = client
  warning.composing = false
  const notice = h('sightline-replied-notice', { 'data-testid': 'replied-notice-host' })
  notice.client = client
  const textarea = h('textarea', {
    'data-testid': 'reply-editor',
    'aria-label': text.reply,
    rows: 6,
    placeholder: text.replyPlaceholder,
  })
  const error = h('p', { class: 'error', role: 'alert', hidden: true })
  const sendButton = h(
    'button',
    { type: 'submit', class: 'primary', 'data-testid': 'reply-send' },
    text.send,
  )
  const closeButton = h('button', { type: 'button', 'data-testid': 'reply-close' }, text.close)
  const form = h(
    'form',
    { class: 'reply-form', hidden: true },
    warning,
    notice,
    textarea,
    error,
    h('div', { class: 'actions' }, sendButton, closeButton),
  )
  const openButton = h(
    'button',
    { type: 'button', class: 'primary', 'data-testid': 'reply-open' },
    text.reply,
  )
  return { warning, notice, textarea, error, sendButton, closeButton, form, openButton }
}

export function createReplyEditor({ client, send }: ReplyEditorOptions): ReplyEditor {
  const parts = editorParts(client)
  const { warning, notice, textarea, error, sendButton, closeButton, form, openButton } = parts
  const confirm = createSendConfirm()

  function setOpen(open: boolean) {
    form.hidden = !open
    openButton.hidden = open
    client.setActivity(open ? 'replying' : 'viewing')
    warning.composing = open
    // Replies sent before this composition began are in the thread already.
    if (open) notice.since = client.composingSince ?? Date.now()
    if (open) textarea.focus()
  }

  async function submit(body: string) {
    const check = client.beforeSend()
    if (!check.ok && !(await confirm.ask(check.conflicts))) {
      textarea.focus()
      return
    }
    await send(body)
    client.markReplySent()
    textarea.value = ''
    setOpen(false)
  }

  openButton.addEventListener('click', () => setOpen(true))
  closeButton.addEventListener('click', () => setOpen(false))
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const body = textarea.value.trim()
    if (body === '') {
      textarea.focus()
      return
    }
    sendButton.disabled = true
    error.hidden = true
    submit(body).then(
      () => {
        sendButton.disabled = false
      },
      (e: Error) => {
        sendButton.disabled = false
        error.textContent = text.notSent(e.message)
        error.hidden = false
      },
    )
  })

  return {
    el: h('div', { class: 'reply' }, openButton, form, confirm.el),
    destroy() {
      if (confirm.el.open) confirm.el.close()
      warning.client = null
      notice.client = null
    },
  }
}
