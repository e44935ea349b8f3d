/** Test helpers: viewers, mounting elements that are removed after each test, a fake client. */
import type { Activity, Viewer } from '@sightline/protocol'
import { onTestFinished } from 'vitest'
import type { SightlineTagName, ViewersSource } from '../src/index.js'

export function viewer(
  id: string,
  name: string,
  options: { activity?: Activity; away?: boolean; since?: number; avatar?: string } = {},
): Viewer {
  return {
    user: options.avatar === undefined ? { id, name } : { id, name, avatar: options.avatar },
    activity: options.activity ?? 'viewing',
    away: options.away ?? false,
    since: options.since ?? Date.now(),
    tabs: 1,
  }
}

/** Creates `tag`, lets `setup` set properties, attaches it and waits for its first render. */
export async function mount<K extends SightlineTagName>(
  tag: K,
  setup: (el: HTMLElementTagNameMap[K]) => void = () => {},
): Promise<HTMLElementTagNameMap[K]> {
  const el = document.createElement(tag)
  setup(el)
  document.body.append(el)
  onTestFinished(() => el.remove())
  await el.updateComplete
  return el
}

export function shadow(el: Element): ShadowRoot {
  const root = el.shadowRoot
  if (root === null) throw new Error(`${el.tagName} has no shadow root`)
  return root
}

export function all(el: Element, testId: string): Element[] {
  return [...shadow(el).querySelectorAll(`[data-testid="${testId}"]`)]
}

export function one(el: Element, testId: string): Element | null {
  return shadow(el).querySelector(`[data-testid="${testId}"]`)
}

/** Text with whitespace collapsed, as a reader (or Playwright's toHaveText) sees it. */
export function text(node: Node | null | undefined): string {
  return (node?.textContent ?? '').replace(/\s+/g, ' ').trim()
}

/** A stand-in PresenceClient: records subscriptions, pushes viewers to its listeners. */
export class FakeClient implements ViewersSource {
  readonly listeners = new Set<(viewers: readonly Viewer[]) => void>()
  subscribed = 0
  unsubscribed = 0
  current: readonly Viewer[]

  constructor(initial: readonly Viewer[] = []) {
    this.current = initial
  }

  subscribe(listener: (viewers: readonly Viewer[]) => void): () => void {
    this.subscribed++
    this.listeners.add(listener)
    listener(this.current)
    return () => {
      this.unsubscribed++
      this.listeners.delete(listener)
    }
  }

  push(viewers: readonly Viewer[]): void {
    this.current = viewers
    for (const l of this.listeners) l(viewers)
  }
}

/** The text of a Lit `styles` value, however deeply nested. */
export function cssText(styles: unknown): string {
  if (Array.isArray(styles)) return styles.map(cssText).join('\n')
  const text = (styles as { cssText?: unknown } | undefined)?.cssText
  return typeof text === 'string' ? text : ''
}
