/** Pick a demo agent. A real helpdesk would have its own login; this stands in for it. */
import { listAgents } from '../api-client.js'
import { h } from '../dom.js'
import { text } from '../locale.js'
import type { Router } from '../router.js'
import { type Session, signIn } from '../session.js'
import type { Page } from './page.js'

export function signInPage(router: Router, afterSignIn: (session: Session) => string): Page {
  const list = h('ul', { class: 'agent-list', 'aria-busy': 'true' })
  const status = h('p', { class: 'muted', role: 'status' })
  const el = h(
    'section',
    { class: 'sign-in card' },
    h('h1', {}, text.signIn),
    h('p', { class: 'muted' }, text.pickAgent),
    list,
    status,
  )

  let destroyed = false
  listAgents().then(
    ({ agents }) => {
      list.removeAttribute('aria-busy')
      for (const agent of agents) {
        const button = h(
          'button',
          {
            type: 'button',
            class: 'agent-button',
            'data-testid': `sign-in-${agent.id}`,
            onclick: () => {
              status.textContent = `Signing in as ${agent.name}…`
              signIn(agent.id).then(
                (session) => {
                  if (!destroyed) router.navigate(afterSignIn(session), { replace: true })
                },
                (error: Error) => {
                  status.textContent = error.message
                },
              )
            },
          },
          h('span', { class: 'agent-name' }, agent.name),
          h('span', { class: 'muted' }, agent.mailboxes.map((m) => m.name).join(', ')),
        )
        list.append(h('li', {}, button))
      }
    },
    (error: Error) => {
      status.textContent = `Could not load agents: ${error.message}`
    },
  )

  return {
    el,
    destroy() {
      destroyed = true
    },
  }
}
