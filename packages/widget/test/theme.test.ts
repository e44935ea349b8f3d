// @vitest-environment happy-dom
import '@sightline/widget'
import { describe, expect, it } from 'vitest'
import { defineSightlineElements, ELEMENTS } from '../src/index.js'
import { themeStyles } from '../src/theme.js'
import { cssText, mount, shadow, viewer } from './fixtures.js'

describe('theme and isolation', () => {
  it('offers dark by attribute and by system preference unless theme="light"', () => {
    const text = cssText(themeStyles)
    expect(text).toMatch(/:host\(\[theme='dark'\]\)\s*\{[^}]*--_text: var\(--sightline-text, #/)
    expect(text).toMatch(
      /@media \(prefers-color-scheme: dark\)\s*\{\s*:host\(:not\(\[theme='light'\]\)\)\s*\{[^}]*--_replying:/,
    )
  })

  it('scopes every rule to the shadow root: only :host selectors touch the outside', () => {
    for (const ctor of Object.values(ELEMENTS)) {
      const text = cssText(ctor.styles)
      expect(text).not.toMatch(/(^|[}\s,])(html|body|:root)\b/)
      expect(text).not.toMatch(/::slotted|::part/)
    }
  })

  it('renders into an open shadow root and leaves the document untouched', async () => {
    const before = document.head.innerHTML
    const el = await mount('sightline-viewers', (e) => {
      e.viewers = [viewer('b', 'Bob')]
    })
    expect(shadow(el).mode).toBe('open')
    expect(el.children).toHaveLength(0)
    expect(document.head.innerHTML).toBe(before)
    expect(document.querySelector('[data-testid="viewer"]')).toBeNull()
  })

  it('defines each element once, and tolerates being asked again', () => {
    for (const [name, ctor] of Object.entries(ELEMENTS)) expect(customElements.get(name)).toBe(ctor)
    expect(() => defineSightlineElements()).not.toThrow()
  })
})
