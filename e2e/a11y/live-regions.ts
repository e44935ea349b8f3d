/**
 * What a screen reader would announce: a recorder of live-region changes in a page, shadow
 * roots included. A live region (aria-live, role=alert/status/log) speaks when its accessible
 * text changes or when it is inserted with text; content under aria-hidden="true" is not in
 * the accessibility tree and says nothing. The recorder logs one entry per region per change
 * of that accessible text, which is what "heard once per change" is measured in.
 */
import type { Page } from '@playwright/test'

export interface Announcement {
  /** The custom element holding the region (or `document`) and its role, e.g.
   * `sightline-reply-warning alert`, `sightline-viewers live`. */
  readonly region: string
  readonly text: string
}

/** Installs the recorder in every future document of the page (run before goto). */
export async function recordAnnouncements(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const LIVE = '[aria-live]:not([aria-live="off"]),[role="alert"],[role="status"],[role="log"]'
    const log: { region: string; text: string }[] = []
    const last = new WeakMap<Element, string>()
    ;(window as unknown as { __announcements: typeof log }).__announcements = log

    /** Text in the accessibility tree: aria-hidden subtrees left out, whitespace collapsed. */
    const spoken = (node: Node): string => {
      if (node.nodeType === Node.TEXT_NODE) return node.textContent ?? ''
      if (node instanceof Element && node.getAttribute('aria-hidden') === 'true') return ''
      return [...node.childNodes].map(spoken).join('')
    }
    const hidden = (el: Element): boolean => {
      for (let e: Element | null = el; e !== null; e = e.parentElement ?? hostOf(e)) {
        if (e.getAttribute('aria-hidden') === 'true') return true
      }
      return false
    }
    const hostOf = (el: Element): Element | null => {
      const root = el.getRootNode()
      return root instanceof ShadowRoot ? root.host : null
    }
    const regionOf = (node: Node): Element | null => {
      const el = node instanceof Element ? node : node.parentElement
      return el?.closest(LIVE) ?? null
    }
    const note = (region: Element) => {
      if (hidden(region)) return
      const text = spoken(region).replace(/\s+/g, ' ').trim()
      if (text === (last.get(region) ?? '')) return
      last.set(region, text)
      if (text === '') return
      const host = hostOf(region)?.localName ?? 'document'
      log.push({ region: `${host} ${region.getAttribute('role') ?? 'live'}`, text })
    }
    const observe = (root: Node) => {
      new MutationObserver((records) => {
        const regions = new Set<Element>()
        for (const r of records) {
          const region = regionOf(r.target)
          if (region !== null) regions.add(region)
          for (const added of r.addedNodes) {
            if (!(added instanceof Element)) continue
            if (added.matches(LIVE)) regions.add(added)
            for (const inner of added.querySelectorAll(LIVE)) regions.add(inner)
            if (added.shadowRoot) observe(added.shadowRoot)
          }
        }
        for (const region of regions) note(region)
      }).observe(root, { subtree: true, childList: true, characterData: true, attributes: true })
    }
    // Shadow roots are attached when custom elements upgrade; watch each as it appears.
    const attach = Element.prototype.attachShadow
    Element.prototype.attachShadow = function (init) {
      const root = attach.call(this, init)
      observe(root)
      return root
    }
    observe(document)
  })
}

/** Everything announced so far, optionally only from `region`. */
export async function announcements(page: Page, region?: string): Promise<Announcement[]> {
  const log = await page.evaluate(
    () => (window as unknown as { __announcements: Announcement[] }).__announcements,
  )
  return region === undefined ? log : log.filter((a) => a.region === region)
}
