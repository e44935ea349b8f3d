// @vitest-environment happy-dom
import '@sightline/widget'
import { describe, expect, it } from 'vitest'
import { defineSightlineElements, ELEMENTS } from '../src/index.js'
import { themeStyles } from '../src/theme.js'
import { cssText, mount, shadow, viewer } from './fixtures.js'

describe('theme and isolation', () => {
  it('follows the page: inherited text colour, colours by the inherited color-scheme', () => {
    const text = cssText(themeStyles)
    expect(text).toMatch(/--_text: var\(--sightline-text, currentColor\)/)
    expect(text).toMatch(/--_warning-bg: var\(--sightline-warning-bg, light-dark\(#[0-9a-f]+, #/)
    // No rule asks the OS, and the host does not pin a scheme of its own by default.
    expect(text).not.toMatch(/prefers-color-scheme/)
    const host = /:host \{([^}]*)\}/.exec(text)?.[1] ?? ''
    expect(host).not.toMatch(/color-scheme/)
  })

  it('forces a scheme, and its text colour, by attribute; theme="auto" follows the OS', () => {
    const text = cssText(themeStyles)
    expect(text).toMatch(
      /:host\(\[theme='dark'\]\)\s*\{\s*color-scheme: dark;\s*--_text: var\(--sightline-text, #/,
    )
    expect(text).toMatch(/:host\(\[theme='light'\]\)\s*\{\s*color-scheme: light;/)
    expect(text).toMatch(/:host\(\[theme='auto'\]\)\s*\{\s*color-scheme: light dark;/)
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
