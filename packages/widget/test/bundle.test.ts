// @vitest-environment happy-dom
/**
 * Builds both bundles in memory (no dist needed, nothing written) and runs the IIFE the way a
 * plain `<script>` tag would: it must define the elements and render them with Lit inside.
 */
import { describe, expect, it } from 'vitest'
import { buildInMemory } from './build-in-memory.js'
import { one, text } from './fixtures.js'

describe('bundles', () => {
  it('builds an ES module and an IIFE that defines the elements', { timeout: 60_000 }, async () => {
    const files = await buildInMemory()
    expect([...files.keys()].sort()).toEqual(['sightline-widget.iife.js', 'sightline-widget.js'])

    const esm = files.get('sightline-widget.js') ?? ''
    // Self-contained: no bare imports left for a browser to resolve.
    expect(esm).not.toMatch(/^\s*import\s/m)
    expect(esm).toMatch(/export\s*\{[^}]*SightlineViewers/)

    const iife = files.get('sightline-widget.iife.js') ?? ''
    expect(customElements.get('sightline-viewers')).toBeUndefined()
    const run = new Function(`${iife}\nreturn SightlineWidget`)
    const SightlineWidget = run() as Record<string, unknown>
    expect(typeof SightlineWidget['defineSightlineElements']).toBe('function')
    for (const name of [
      'sightline-viewers',
      'sightline-reply-warning',
      'sightline-replied-notice',
      'sightline-list-badge',
    ]) {
      expect(customElements.get(name), name).toBeDefined()
    }
    expect(customElements.get('sightline-viewers')).toBe(SightlineWidget['SightlineViewers'])

    const el = document.createElement('sightline-viewers')
    Object.assign(el, {
      viewers: [
        { user: { id: 'b', name: 'Bob' }, activity: 'replying', away: false, since: 0, tabs: 1 },
      ],
    })
    document.body.append(el)
    await (el as unknown as { updateComplete: Promise<unknown> }).updateComplete
    expect(text(one(el, 'viewer-label'))).toBe('Bob is replying')
    el.remove()
  })
})
