/**
 * Checks the built bundles in dist/ (run after `pnpm --filter @sightline/widget run build`):
 * both files exist, the ES module has no bare imports left, and the IIFE, run as a classic
 * script in a happy-dom window, defines and renders the elements. Exits non-zero on failure.
 *
 *   npx tsx packages/widget/scripts/check-bundles.ts
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { Window } from 'happy-dom'

const dist = resolve(import.meta.dirname, '..', 'dist')
const TAGS = [
  'sightline-viewers',
  'sightline-reply-warning',
  'sightline-replied-notice',
  'sightline-list-badge',
]

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(`check-bundles: ${message}`)
  console.log(`ok - ${message}`)
}

const esm = readFileSync(resolve(dist, 'sightline-widget.js'), 'utf8')
check(!/^\s*import\s/m.test(esm), 'sightline-widget.js is self-contained (no imports)')
check(/export\s*\{[^}]*SightlineViewers/.test(esm), 'sightline-widget.js exports SightlineViewers')

const iife = readFileSync(resolve(dist, 'sightline-widget.iife.js'), 'utf8')
const window = new Window()
// Expose the DOM the way a page does, then run the IIFE like a classic <script>.
const g = globalThis as Record<string, unknown>
for (const key of [
  'window',
  'document',
  'customElements',
  'HTMLElement',
  'ShadowRoot',
  'Document',
  'Element',
  'Node',
  'CSSStyleSheet',
  'MutationObserver',
  'Event',
  'CustomEvent',
]) {
  g[key] = (window as unknown as Record<string, unknown>)[key]
}
const api = new Function(`${iife}\nreturn SightlineWidget`)() as Record<string, unknown>
check(
  typeof api['defineSightlineElements'] === 'function',
  'the IIFE exposes the global SightlineWidget',
)
for (const tag of TAGS)
  check(window.customElements.get(tag) !== undefined, `the IIFE defines <${tag}>`)

const el = window.document.createElement('sightline-viewers') as unknown as HTMLElement & {
  viewers: unknown
  updateComplete: Promise<unknown>
}
el.viewers = [
  { user: { id: 'b', name: 'Bob' }, activity: 'replying', away: false, since: 0, tabs: 1 },
]
window.document.body.append(el as unknown as Parameters<typeof window.document.body.append>[0])
await el.updateComplete
const label = el.shadowRoot?.querySelector('[data-testid="viewer-label"]')?.textContent?.trim()
check(label === 'Bob is replying', `<sightline-viewers> renders from the IIFE ("${label}")`)
await window.happyDOM.close()
