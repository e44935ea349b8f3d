/** A page for Node tests: a window and a document that are plain EventTargets. */
import type { PresenceEnvironment } from '../src/environment.js'

export interface FakePage extends PresenceEnvironment {
  readonly window: EventTarget
  readonly document: EventTarget & { visibilityState: 'visible' | 'hidden' }
  /** Sets visibility and dispatches `visibilitychange`. */
  setVisible(visible: boolean): void
  /** Dispatches an input event on the window. */
  input(type?: string): void
  /** Dispatches a window event; `persisted` for pageshow/pagehide. */
  dispatch(type: string, init?: { persisted?: boolean }): void
}

export function createFakePage(): FakePage {
  const win = new EventTarget()
  const doc = Object.assign(new EventTarget(), {
    visibilityState: 'visible' as 'visible' | 'hidden',
  })
  return {
    window: win,
    document: doc,
    setVisible(visible) {
      doc.visibilityState = visible ? 'visible' : 'hidden'
      doc.dispatchEvent(new Event('visibilitychange'))
    },
    input(type = 'pointermove') {
      win.dispatchEvent(new Event(type))
    },
    dispatch(type, init = {}) {
      win.dispatchEvent(Object.assign(new Event(type), { persisted: init.persisted === true }))
    },
  }
}
