/** The frame around every page: brand, the agent's mailboxes, who is signed in, sign out. */
import { h } from './dom.js'
import { text } from './locale.js'
import { paths } from './router.js'
import type { Session } from './session.js'

export function renderHeader(session: Session | null, signOut: () => void): HTMLElement {
  const brand = h(
    'a',
    { href: session ? paths.mailbox(session.mailboxes[0]?.id ?? '1') : '/', class: 'brand' },
    'Sightline Desk',
  )
  if (session === null) return h('header', { class: 'app-header' }, brand)
  const here = location.pathname
  const nav = h(
    'nav',
    { 'aria-label': text.mailboxes },
    ...session.mailboxes.map((m) => {
      const href = paths.mailbox(m.id)
      const current = here === href || here.startsWith(`${href}/`)
      return h('a', { href, 'aria-current': current ? 'page' : null }, m.name)
    }),
  )
  return h(
    'header',
    { class: 'app-header' },
    brand,
    nav,
    h(
      'div',
      { class: 'who' },
      h(
        'span',
        { 'data-testid': 'signed-in-as', 'data-user-id': session.user.id },
        session.user.name,
      ),
      h('button', { type: 'button', 'data-testid': 'sign-out', onclick: signOut }, text.signOut),
    ),
  )
}
