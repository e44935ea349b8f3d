/**
 * A conversation: thread, viewers bar and reply editor. The presence client is created as
 * soon as the page is, before the thread loads, so others see this agent at once; it is
 * destroyed with the page, so navigating away removes the avatar at once.
 */
import { ApiError, getConversation, type Message, sendReply } from '../api-client.js'
import { createConversationPresence } from '../conversation-presence.js'
import { h } from '../dom.js'
import { formatTime } from '../format.js'
import { text } from '../locale.js'
import { createReplyEditor } from '../reply-editor.js'
import { paths } from '../router.js'
import type { Page, PageContext } from './page.js'

function messageItem(m: Message) {
  return h(
    'li',
    { class: `message message-${m.author.kind}` },
    h(
      'header',
      {},
      h('strong', {}, m.author.name),
      h('time', { class: 'muted', datetime: m.at }, formatTime(m.at)),
    ),
    h('p', {}, m.body),
  )
}

export function conversationPage(
  { session }: PageContext,
  mailboxId: string,
  conversationId: string,
): Page {
  const mailbox = session.mailboxes.find((m) => m.id === mailboxId)
  const back = h(
    'a',
    { href: paths.mailbox(mailboxId), class: 'back', 'data-testid': 'back-to-mailbox' },
    `← ${mailbox?.name ?? `Mailbox ${mailboxId}`}`,
  )
  const title = h('h1', {}, text.loading)
  const customer = h('p', { class: 'muted' })
  const thread = h('ol', { class: 'thread', 'aria-busy': 'true' })
  const el = h('article', { class: 'conversation' }, back, title, customer)

  if (mailbox === undefined) {
    title.textContent = text.noAccess
    el.append(h('p', { class: 'error', role: 'alert' }, text.noAccessToMailbox))
    return { el, destroy() {} }
  }

  const presence = createConversationPresence(session, mailboxId, conversationId)
  const editor = createReplyEditor({
    client: presence.client,
    async send(body) {
      const { message } = await sendReply(mailboxId, conversationId, body)
      thread.append(messageItem(message))
    },
  })
  el.append(presence.el, thread, editor.el)

  getConversation(mailboxId, conversationId).then(
    ({ conversation }) => {
      title.textContent = conversation.subject
      customer.textContent = `${conversation.customer.name} <${conversation.customer.email}>`
      thread.removeAttribute('aria-busy')
      thread.prepend(...conversation.messages.map(messageItem))
      document.title = `${conversation.subject} · Sightline Desk`
    },
    (error: Error) => {
      thread.removeAttribute('aria-busy')
      title.textContent =
        error instanceof ApiError && error.status === 404 ? text.notFound : text.error
      thread.replaceChildren(h('li', { class: 'error', role: 'alert' }, error.message))
    },
  )

  return {
    el,
    destroy() {
      editor.destroy()
      presence.destroy()
    },
  }
}
