/**
 * Sightline Desk, the reference agent app: routes to a page, guards pages that need a
 * session, and tears the previous page down (its presence client included) on every route.
 */
import '@sightline/widget'
import './styles.css'
import { h } from './dom.js'
import { applyLocale, locale } from './locale.js'
import { conversationPage } from './pages/conversation.js'
import { mailboxPage } from './pages/mailbox.js'
import type { Page } from './pages/page.js'
import { signInPage } from './pages/sign-in.js'
import { paths, type Route, type Router, startRouter } from './router.js'
import { clearSession, loadSession, type Session } from './session.js'
import { renderHeader } from './shell.js'

applyLocale(locale)

const root = document.getElementById('app')!
let current: Page | null = null

function show(page: Page, session: Session | null, router: Router) {
  current = page
  const signOut = () => {
    clearSession()
    router.navigate(paths.signIn())
  }
  root.replaceChildren(renderHeader(session, signOut), h('main', {}, page.el))
}

/** Where to go after signing in: the page asked for, or the agent's first mailbox. */
function landing(session: Session): string {
  const next = new URLSearchParams(location.search).get('next')
  if (next?.startsWith('/') && !next.startsWith('//')) return next
  return paths.mailbox(session.mailboxes[0]?.id ?? '1')
}

function render(route: Route, router: Router) {
  current?.destroy()
  current = null
  document.title = 'Sightline Desk'
  const session = loadSession()
  if (route.name === 'sign-in') {
    if (session !== null) return router.navigate(landing(session), { replace: true })
    return show(signInPage(router, landing), null, router)
  }
  if (session === null) {
    return router.navigate(paths.signIn(location.pathname), { replace: true })
  }
  const ctx = { router, session }
  switch (route.name) {
    case 'mailbox':
      return show(mailboxPage(ctx, route.mailboxId), session, router)
    case 'conversation':
      return show(conversationPage(ctx, route.mailboxId, route.conversationId), session, router)
    case 'not-found': {
      const el = h('section', {}, h('h1', {}, 'Not found'), h('p', {}, route.path))
      return show({ el, destroy() {} }, session, router)
    }
  }
}

startRouter(render)
