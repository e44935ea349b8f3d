/**
 * The page the client lives in, reduced to what it listens to: input and lifecycle events on
 * the window, visibility on the document. Injectable, so Node tests drive it with plain
 * `EventTarget`s; `null` means "no page" (Node): never idle, no lifecycle events.
 */

/** What listeners read from an event (`persisted` exists on pageshow/pagehide). */
export interface EventLike {
  readonly type: string
}

export interface EventSourceLike {
  addEventListener(
    type: string,
    listener: (event: EventLike) => void,
    options?: { capture?: boolean; passive?: boolean },
  ): void
  removeEventListener(
    type: string,
    listener: (event: EventLike) => void,
    options?: { capture?: boolean },
  ): void
}

export interface PresenceEnvironment {
  /** Input, focus, online/offline, pageshow/pagehide events (the browser `window`). */
  readonly window: EventSourceLike
  /** Visibility and `resume` events (the browser `document`). */
  readonly document: EventSourceLike & { readonly visibilityState: string }
}

/** The browser's window and document when they exist, else `null`. */
export function defaultEnvironment(): PresenceEnvironment | null {
  if (typeof window === 'undefined' || typeof document === 'undefined') return null
  return { window, document }
}

/**
 * Adds `listener` for each of `types` on `target` and returns one function that removes them
 * all, so teardown mirrors setup.
 */
export function listen(
  target: EventSourceLike,
  types: readonly string[],
  listener: (event: EventLike) => void,
  options: { capture?: boolean; passive?: boolean } = {},
): () => void {
  for (const type of types) target.addEventListener(type, listener, options)
  return () => {
    for (const type of types) target.removeEventListener(type, listener, options)
  }
}

/** True for a pageshow/pagehide event of a page kept in (or restored from) the back/forward cache. */
export function isPersisted(event: EventLike): boolean {
  return (event as { persisted?: unknown }).persisted === true
}

/**
 * Leaves on every `pagehide` and comes back when a page kept in the back/forward cache is
 * shown again (`pageshow` with `persisted`). Returns one function that stops watching; a
 * no-op without a page.
 */
export function watchPageCache(
  environment: PresenceEnvironment | null,
  onHide: () => void,
  onRestore: () => void,
): () => void {
  if (environment === null) return () => {}
  const stopHide = listen(environment.window, ['pagehide'], () => onHide())
  const stopShow = listen(environment.window, ['pageshow'], (event) => {
    if (isPersisted(event)) onRestore()
  })
  return () => {
    stopHide()
    stopShow()
  }
}
