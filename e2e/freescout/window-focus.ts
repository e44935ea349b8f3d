/**
 * Window focus as two agents side by side have it: headless Chromium answers
 * `document.hasFocus()` true in every page, so each page gets an init script that owns focus
 * and visibility, and `setWindowState` switches them with the events a real window switch
 * fires (blur/focus on window, visibilitychange on document). The same script records, in the
 * page, every change of the viewers it shows, so a test can prove nobody vanished in between
 * its checks.
 */
import type { BrowserContext, Page } from '@playwright/test'

export interface WindowState {
  readonly focused: boolean
  readonly hidden: boolean
}

/** One record per change of the visible viewers of a conversation page. */
export interface ViewerChange {
  readonly at: number
  readonly ids: readonly string[]
}

declare global {
  interface Window {
    __fixtureSetWindow?: (focused: boolean, hidden: boolean) => void
    __fixtureViewerLog?: ViewerChange[]
    __fixtureFreeScoutFlashFrames?: number
  }
}

/** Installs focus control and the viewer recorder in every page of `context`. */
export async function emulateWindows(context: BrowserContext, initial: WindowState) {
  await context.addInitScript((start: WindowState) => {
    let focused = start.focused
    let hidden = start.hidden
    Object.defineProperty(Document.prototype, 'hasFocus', {
      configurable: true,
      value: () => focused,
    })
    Object.defineProperty(Document.prototype, 'visibilityState', {
      configurable: true,
      get: () => (hidden ? 'hidden' : 'visible'),
    })
    Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => hidden })
    window.__fixtureSetWindow = (nextFocused: boolean, nextHidden: boolean) => {
      if (nextHidden !== hidden) {
        hidden = nextHidden
        document.dispatchEvent(new Event('visibilitychange'))
      }
      if (nextFocused !== focused) {
        focused = nextFocused
        window.dispatchEvent(new FocusEvent(focused ? 'focus' : 'blur'))
      }
    }

    const log: ViewerChange[] = []
    window.__fixtureViewerLog = log
    let last = ''
    const record = () => {
      const box = document.getElementById('sightline-conv-viewers')
      if (box === null) return
      const ids = [...box.querySelectorAll<HTMLElement>('[data-user-id]')]
        .filter((el) => el.isConnected && getComputedStyle(el).display !== 'none')
        .map((el) => el.dataset['userId'] ?? '')
      const key = ids.join(' ')
      if (key === last) return
      last = key
      log.push({ at: Date.now(), ids })
    }
    // Frames in which FreeScout's own (server-rendered, polled) viewers were on screen although
    // the page did not say presence is offline: a flash of stale avatars.
    window.__fixtureFreeScoutFlashFrames = 0
    const sample = () => {
      const box = document.getElementById('conv-viewers')
      const offline = document.documentElement.classList.contains('sightline-offline')
      if (
        box !== null &&
        !offline &&
        box.childElementCount > 0 &&
        box.checkVisibility({ visibilityProperty: true })
      ) {
        window.__fixtureFreeScoutFlashFrames = (window.__fixtureFreeScoutFlashFrames ?? 0) + 1
      }
      requestAnimationFrame(sample)
    }
    requestAnimationFrame(sample)

    new MutationObserver(record).observe(document, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['style', 'class', 'id'],
    })
  }, initial)
}

export async function setWindowState(page: Page, state: WindowState) {
  await page.evaluate(([focused, hidden]) => window.__fixtureSetWindow?.(focused, hidden), [
    state.focused,
    state.hidden,
  ] as const)
}

/** Frames so far in which FreeScout's own viewers showed while presence was not offline. */
export function freescoutFlashFrames(page: Page): Promise<number> {
  return page.evaluate(() => window.__fixtureFreeScoutFlashFrames ?? 0)
}

export function viewerLog(page: Page): Promise<ViewerChange[]> {
  return page.evaluate(() => window.__fixtureViewerLog ?? [])
}
