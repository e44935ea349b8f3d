/**
 * Real window focus for the agent desk's pages. Headless Chromium (and Playwright's focus
 * emulation) keeps every page focused and visible, so `bringToFront()` switches nothing a
 * page can observe. `setWindowState` takes over `document.hasFocus()`, `visibilityState` and
 * `hidden` in a page and fires the events a real window switch fires (blur/focus on window,
 * visibilitychange on document), so the app and the presence client see the switch.
 *
 * (e2e/freescout/window-focus.ts does the same from an init script, with a FreeScout-markup
 * viewer recorder on top.)
 */
import type { Page } from '@playwright/test'

export interface WindowState {
  readonly focused: boolean
  readonly hidden: boolean
}

declare global {
  interface Window {
    __sightlineSetWindow?: (focused: boolean, hidden: boolean) => void
  }
}

/** Puts `page`'s window in `state` (installing the override on first use). */
export async function setWindowState(page: Page, state: WindowState): Promise<void> {
  await page.evaluate(
    ([nextFocused, nextHidden]) => {
      if (window.__sightlineSetWindow === undefined) {
        let focused = document.hasFocus()
        let hidden = document.visibilityState === 'hidden'
        Object.defineProperty(document, 'hasFocus', { configurable: true, value: () => focused })
        Object.defineProperty(document, 'visibilityState', {
          configurable: true,
          get: () => (hidden ? 'hidden' : 'visible'),
        })
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden })
        window.__sightlineSetWindow = (f, h) => {
          if (h !== hidden) {
            hidden = h
            document.dispatchEvent(new Event('visibilitychange'))
          }
          if (f !== focused) {
            focused = f
            window.dispatchEvent(new FocusEvent(f ? 'focus' : 'blur'))
          }
        }
      }
      window.__sightlineSetWindow(nextFocused, nextHidden)
    },
    [state.focused, state.hidden] as const,
  )
}

/** What the page itself believes about its window. */
export function windowStateOf(page: Page): Promise<WindowState> {
  return page.evaluate(() => ({
    focused: document.hasFocus(),
    hidden: document.visibilityState === 'hidden',
  }))
}
