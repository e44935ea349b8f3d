/**
 * Binds an element to a live source of viewers (a PresenceClient, or anything with the same
 * `subscribe`). Subscribed only while the element is connected; unsubscribed when it is
 * removed or when the source is replaced, so detached elements hold no listeners.
 */

import type { Viewer } from '@sightline/protocol'
import type { ReactiveController, ReactiveControllerHost } from 'lit'

/** What the `client` property accepts: `subscribe` calls back now and on every change. */
export interface ViewersSource {
  subscribe(listener: (viewers: readonly Viewer[]) => void): () => void
}

export class ViewersBinding implements ReactiveController {
  private current: ViewersSource | null = null
  private unsubscribe: (() => void) | null = null
  private connected = false
  private readonly onViewers: (viewers: readonly Viewer[]) => void

  constructor(host: ReactiveControllerHost, onViewers: (viewers: readonly Viewer[]) => void) {
    this.onViewers = onViewers
    host.addController(this)
  }

  get source(): ViewersSource | null {
    return this.current
  }

  /** Switches to `source` (or to none); subscribes at once if the host is connected. */
  bind(source: ViewersSource | null | undefined): void {
    const next = source ?? null
    if (next === this.current) return
    this.stop()
    this.current = next
    if (this.connected) this.start()
  }

  hostConnected(): void {
    this.connected = true
    this.start()
  }

  hostDisconnected(): void {
    this.connected = false
    this.stop()
  }

  private start(): void {
    if (this.current === null || this.unsubscribe !== null) return
    this.unsubscribe = this.current.subscribe((viewers) => this.onViewers(viewers))
  }

  private stop(): void {
    const unsubscribe = this.unsubscribe
    this.unsubscribe = null
    unsubscribe?.()
  }
}

/**
 * Lets a property assigned before the element was upgraded (a plain script that ran before
 * the bundle) reach the class accessor instead of shadowing it.
 */
export function upgradeProperty<T extends object>(element: T, name: keyof T): void {
  if (!Object.hasOwn(element, name)) return
  const value = element[name]
  delete element[name]
  element[name] = value
}
