/**
 * Records, inside a watcher page, every change of one agent's avatar in the viewers bar:
 * a MutationObserver on the widget's shadow root notes each render that shows the agent
 * `here`, `away` or `gone`, so a leave/join flicker between two samples is caught too; a
 * 250 ms sampler in the page double-checks and counts samples. Times are the page's
 * `performance.now()`.
 */
import type { Page } from '@playwright/test'
import type { AgentId } from '../fixtures.js'

export type AvatarState = 'here' | 'away' | 'gone'

export interface AvatarLog {
  /** Every state the avatar went through, the first one included. */
  readonly changes: readonly { readonly at: number; readonly state: AvatarState }[]
  /** How many 250 ms samples the page took. */
  readonly samples: number
  /** The viewers bar was replaced or removed while recording (the log would be blind). */
  readonly detached: boolean
}

export interface AvatarRecorder {
  read(): Promise<AvatarLog>
  /** The states in order, consecutive duplicates never occur. */
  states(): Promise<AvatarState[]>
}

type RecorderWindow = { __avatarLogs?: Record<string, AvatarLog & { stop(): void }> }

/** Starts recording `userId`'s avatar in `page`'s viewers bar (which must exist). */
export async function recordAvatar(page: Page, userId: AgentId): Promise<AvatarRecorder> {
  await page.locator('sightline-viewers[data-testid="viewers"]').waitFor({ state: 'attached' })
  await page.evaluate((id) => {
    const host = document.querySelector('sightline-viewers[data-testid="viewers"]')
    const root = host?.shadowRoot
    if (!host || !root) throw new Error('no viewers bar with a shadow root')
    const read = (): 'here' | 'away' | 'gone' => {
      const el = root.querySelector(`[data-testid="viewer"][data-user-id="${id}"]`)
      if (el === null) return 'gone'
      return el.getAttribute('data-away') === 'true' ? 'away' : 'here'
    }
    const log = {
      changes: [{ at: performance.now(), state: read() }],
      samples: 0,
      detached: false,
      stop() {},
    }
    const note = () => {
      if (!host.isConnected) log.detached = true
      const state = read()
      if (state !== log.changes[log.changes.length - 1]!.state) {
        log.changes.push({ at: performance.now(), state })
      }
    }
    const observer = new MutationObserver(note)
    observer.observe(root, { subtree: true, childList: true, attributes: true })
    const sampler = setInterval(() => {
      log.samples++
      note()
    }, 250)
    log.stop = () => {
      observer.disconnect()
      clearInterval(sampler)
    }
    const w = window as RecorderWindow
    w.__avatarLogs = { ...w.__avatarLogs, [id]: log }
  }, userId)

  const read = () =>
    page.evaluate((id) => {
      const log = (window as RecorderWindow).__avatarLogs?.[id]
      if (!log) throw new Error(`no avatar recorder for ${id}`)
      return { changes: log.changes, samples: log.samples, detached: log.detached }
    }, userId)
  return {
    read,
    states: async () => (await read()).changes.map((c) => c.state),
  }
}
