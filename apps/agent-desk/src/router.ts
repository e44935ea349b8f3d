/**
 * Client-side routing on the history API. Same-origin links are followed without a page
 * load, so leaving a conversation for another one destroys the old presence client (the
 * avatar leaves at once) and creates a new one, instead of relying on `pagehide`.
 *
 *   /                                          sign-in
 *   /mailbox/:mailboxId                        mailbox list
 *   /mailbox/:mailboxId/conversation/:cid      conversation
 */

export type Route =
  | { readonly name: 'sign-in' }
  | { readonly name: 'mailbox'; readonly mailboxId: string }
  | { readonly name: 'conversation'; readonly mailboxId: string; readonly conversationId: string }
  | { readonly name: 'not-found'; readonly path: string }

/** The route a pathname stands for. */
export function matchRoute(pathname: string): Route {
  const parts = pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent)
  if (parts.length === 0) return { name: 'sign-in' }
  if (parts[0] === 'mailbox' && parts.length === 2) return { name: 'mailbox', mailboxId: parts[1]! }
  if (parts[0] === 'mailbox' && parts.length === 4 && parts[2] === 'conversation') {
    return { name: 'conversation', mailboxId: parts[1]!, conversationId: parts[3]! }
  }
  return { name: 'not-found', path: pathname }
}

export const paths = {
  signIn: (next?: string) => (next ? `/?next=${encodeURIComponent(next)}` : '/'),
  mailbox: (mailboxId: string) => `/mailbox/${encodeURIComponent(mailboxId)}`,
  conversation: (mailboxId: string, conversationId: string) =>
    `/mailbox/${encodeURIComponent(mailboxId)}/conversation/${encodeURIComponent(conversationId)}`,
}

export interface Router {
  /** Goes to `path` without a page load (`replace` keeps the history entry count). */
  navigate(path: string, options?: { replace?: boolean }): void
  /** Stops following links and history changes. */
  stop(): void
}

/** Calls `render` now and after every navigation (links, back/forward, `navigate`). */
export function startRouter(render: (route: Route, router: Router) => void): Router {
  const renderCurrent = () => render(matchRoute(location.pathname), router)

  function navigate(path: string, { replace = false } = {}) {
    if (replace) history.replaceState(null, '', path)
    else history.pushState(null, '', path)
    renderCurrent()
  }

  function followLink(event: MouseEvent) {
    if (event.defaultPrevented || event.button !== 0) return
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    const link = (event.target as Element | null)?.closest('a[href]')
    if (
      !(link instanceof HTMLAnchorElement) ||
      link.target !== '' ||
      link.hasAttribute('download')
    ) {
      return
    }
    const url = new URL(link.href)
    if (url.origin !== location.origin) return
    event.preventDefault()
    if (url.pathname + url.search !== location.pathname + location.search) {
      navigate(url.pathname + url.search)
    }
  }

  const router: Router = {
    navigate,
    stop() {
      document.removeEventListener('click', followLink)
      window.removeEventListener('popstate', renderCurrent)
    },
  }
  document.addEventListener('click', followLink)
  window.addEventListener('popstate', renderCurrent)
  renderCurrent()
  return router
}
