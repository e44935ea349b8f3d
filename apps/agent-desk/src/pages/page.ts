/** What every page of the app is: an element, and a teardown run when the route changes. */
import type { Router } from '../router.js'
import type { Session } from '../session.js'

export interface Page {
  readonly el: HTMLElement
  /** Releases what the page holds (presence clients, listeners). Called once. */
  destroy(): void
}

export interface PageContext {
  readonly router: Router
  readonly session: Session
}
