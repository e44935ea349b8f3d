/**
 * Decides whether this tab's agent is away: the page is hidden, or nobody touched it (pointer,
 * keys, wheel, scroll, focus) for `idleTimeoutMs`. Any input brings the agent back at once.
 * Timing is monotonic, so a wall-clock jump does not make anyone idle.
 */
import type { Timer } from '@sightline/protocol'
import { type EventLike, listen, type PresenceEnvironment } from './environment.js'

/** Events that count as the agent being at the keyboard. */
export const INPUT_EVENTS = Object.freeze([
  'pointerdown',
  'pointermove',
  'keydown',
  'wheel',
  'scroll',
  'touchstart',
  'focus',
] as const)

export interface IdleOptions {
  readonly environment: PresenceEnvironment | null
  /** No input for this long (ms) makes the agent away. */
  readonly idleTimeoutMs: number
  /** Called with the new value whenever `away` changes. */
  readonly onChange: (away: boolean) => void
  /** Monotonic clock, ms. Default `performance.now()`. */
  readonly now?: (() => number) | undefined
}

export interface IdleTracker {
  /** Hidden, or idle for the threshold. Always false without an environment. */
  readonly away: boolean
  destroy(): void
}

/** Starts watching the environment's input and visibility. */
export function createIdleTracker(options: IdleOptions): IdleTracker {
  const { environment, idleTimeoutMs, onChange } = options
  const now = options.now ?? (() => performance.now())
  if (environment === null) return { away: false, destroy() {} }
  const doc = environment.document

  let lastInputAt = now()
  let idle = false
  let away = doc.visibilityState === 'hidden'
  let timer: Timer | null = null

  const update = () => {
    const next = idle || doc.visibilityState === 'hidden'
    if (next === away) return
    away = next
    onChange(away)
  }

  // One timer, re-armed lazily: input only records a timestamp, so a stream of pointermove
  // events costs no timer work.
  const arm = (delay: number) => {
    timer = setTimeout(check, Math.max(0, delay))
  }
  const check = () => {
    timer = null
    const quietFor = now() - lastInputAt
    if (quietFor >= idleTimeoutMs) {
      idle = true
      update()
      return // re-armed by the next input
    }
    arm(idleTimeoutMs - quietFor)
  }

  const onInput = () => {
    lastInputAt = now()
    if (timer === null) arm(idleTimeoutMs)
    if (idle) {
      idle = false
      update()
    }
  }
  const onVisibility = (_event: EventLike) => {
    // Coming back to a tab is input; leaving it makes the agent away at once.
    if (doc.visibilityState === 'visible') onInput()
    update()
  }

  const stopInput = listen(environment.window, INPUT_EVENTS, onInput, {
    capture: true,
    passive: true,
  })
  const stopVisibility = listen(doc, ['visibilitychange'], onVisibility)
  arm(idleTimeoutMs)

  return {
    get away() {
      return away
    },
    destroy() {
      stopInput()
      stopVisibility()
      if (timer !== null) clearTimeout(timer)
      timer = null
    },
  }
}
