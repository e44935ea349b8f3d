/**
 * Binds an element to a live source of viewers (a PresenceClient, or anything with the same
 * `subscribe`). Subscribed only while the element is connected; unsubscribed when it is
 * removed or when the source is replaced, so detached elements hold no listeners.
 */

import type { Viewer } from '@sightline/protocol'
import type { ReactiveControllerHost } from 'lit'
import { LiveBinding } from './live-binding.js'

/** What the `client` property accepts: `subscribe` calls back now and on every change. */
export interface ViewersSource {
  subscribe(listener: (viewers: readonly Viewer[]) => void): () => void
}

/** A `LiveBinding` to a viewers source: each `subscribe` call replaces the host's viewers. */
export class ViewersBinding extends LiveBinding<ViewersSource> {
  constructor(host: ReactiveControllerHost, onViewers: (viewers: readonly Viewer[]) => void) {
    super(host, (source) => source.subscribe((viewers) => onViewers(viewers)))
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
