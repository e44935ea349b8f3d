/** A mailbox's conversations; each row links to its conversation page. */
import { ApiError, type Conversation, listConversations } from '../api-client.js'
import { h } from '../dom.js'
import { formatTime } from '../format.js'
import { paths } from '../router.js'
import type { Page, PageContext } from './page.js'

function row(mailboxId: string, c: Conversation) {
  const last = c.messages.at(-1)
  return h(
    'li',
    { class: 'conversation-row' },
    h(
      'a',
      {
        href: paths.conversation(mailboxId, c.id),
        'data-testid': `conversation-link-${c.id}`,
      },
      h('span', { class: 'subject' }, c.subject),
      h('span', { class: 'customer' }, c.customer.name),
      h('span', { class: `status status-${c.status}` }, c.status),
      last ? h('span', { class: 'preview muted' }, last.body) : null,
      last ? h('time', { class: 'muted', datetime: last.at }, formatTime(last.at)) : null,
    ),
  )
}

export function mailboxPage({ session }: PageContext, mailboxId: string): Page {
  const mailbox = session.mailboxes.find((m) => m.id === mailboxId)
  const list = h('ul', { class: 'conversation-list', 'aria-busy': 'true' })
  const el = h(
    'section',
    { class: 'mailbox' },
    h('h1', {}, mailbox?.name ?? `Mailbox ${mailboxId}`),
    list,
  )
  listConversations(mailboxId).then(
    ({ conversations }) => {
      list.removeAttribute('aria-busy')
      list.replaceChildren(...conversations.map((c) => row(mailboxId, c)))
      if (conversations.length === 0) list.append(h('li', { class: 'muted' }, 'No conversations.'))
    },
    (error: Error) => {
      list.removeAttribute('aria-busy')
      const text =
        error instanceof ApiError && error.status === 403
          ? 'You do not have access to this mailbox.'
          : `Could not load conversations: ${error.message}`
      list.replaceChildren(h('li', { class: 'error', role: 'alert' }, text))
    },
  )
  return { el, destroy() {} }
}
