/**
 * A mailbox's conversations; each row links to its conversation page and shows, live, who
 * else is on that conversation (`<sightline-list-badge>`). The whole list follows one socket
 * to the mailbox room, where the relay publishes a summary per conversation; it is opened with
 * the page and closed with it.
 */
import { createMailboxPresence, type MailboxConversations, type Viewer } from '@sightline/presence'
import type { SightlineListBadge } from '@sightline/widget'
import { ApiError, type Conversation, listConversations } from '../api-client.js'
import { h } from '../dom.js'
import { formatTime } from '../format.js'
import { text } from '../locale.js'
import { paths } from '../router.js'
import { refreshToken } from '../session.js'
import type { Page, PageContext } from './page.js'

const NOBODY: readonly Viewer[] = Object.freeze([])

function row(mailboxId: string, c: Conversation, badge: SightlineListBadge) {
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
      h('span', { class: 'subject' }, badge, ' ', c.subject),
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
  const status = h('span', {
    class: 'connection-status',
    'data-testid': 'list-connection-status',
  })
  const el = h(
    'section',
    { class: 'mailbox' },
    h('h1', {}, mailbox?.name ?? `Mailbox ${mailboxId}`, ' ', status),
    list,
  )
  if (mailbox === undefined) {
    listConversations(mailboxId).then(showRows(list, mailboxId, new Map()), showError(list))
    return { el, destroy() {} }
  }

  const badges = new Map<string, SightlineListBadge>()
  const presence = createMailboxPresence({
    url: session.relayUrl,
    mailboxId,
    token: session.token,
    getToken: refreshToken,
  })
  const stopStatus = presence.onStatus((s) => {
    status.textContent = s
    status.dataset['status'] = s
  })
  // Each badge gets a new array only when its own conversation changed.
  const render = (conversations: MailboxConversations) => {
    for (const [id, badge] of badges) {
      const viewers = conversations.get(id) ?? NOBODY
      if (badge.viewers !== viewers) badge.viewers = viewers
    }
  }
  const stopPresence = presence.subscribe(render)
  listConversations(mailboxId).then((result) => {
    showRows(list, mailboxId, badges)(result)
    render(presence.conversations)
  }, showError(list))
  return {
    el,
    destroy() {
      stopStatus()
      stopPresence()
      presence.destroy()
    },
  }
}

/** Fills the list, with one badge per row registered in `badges`. */
function showRows(list: HTMLElement, mailboxId: string, badges: Map<string, SightlineListBadge>) {
  return ({ conversations }: { conversations: Conversation[] }) => {
    list.removeAttribute('aria-busy')
    list.replaceChildren(
      ...conversations.map((c) => {
        const badge = h('sightline-list-badge', { 'data-testid': `row-badge-${c.id}` })
        badges.set(c.id, badge)
        return row(mailboxId, c, badge)
      }),
    )
    if (conversations.length === 0) list.append(h('li', { class: 'muted' }, text.noConversations))
  }
}

function showError(list: HTMLElement) {
  return (error: Error) => {
    list.removeAttribute('aria-busy')
    const message =
      error instanceof ApiError && error.status === 403
        ? text.noAccessToMailbox
        : text.couldNotLoad(error.message)
    list.replaceChildren(h('li', { class: 'error', role: 'alert' }, message))
  }
}
