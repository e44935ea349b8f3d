/**
 * Short relative times ("20 s", "3 min", "2 h", "4 d") and the one ticking timer an element
 * needs to keep them fresh. The timer runs only while the element is in the document, so a
 * removed element costs nothing and never leaks an interval.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit'

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** Formats a non-negative duration in its largest whole unit; negative durations read "0 s". */
export function formatDuration(ms: number): string {
  const d = Number.isFinite(ms) && ms > 0 ? ms : 0
  if (d < MINUTE) return `${Math.floor(d / SECOND)} s`
  if (d < HOUR) return `${Math.floor(d / MINUTE)} min`
  if (d < DAY) return `${Math.floor(d / HOUR)} h`
  return `${Math.floor(d / DAY)} d`
}

/** Default tick: the smallest unit shown is a second. */
export const TICK_MS = 1000

/**
 * Re-renders its host every `intervalMs` while the host is connected; `now` is the wall clock
 * (ms epoch, like presence `since`) as of the last tick.
 */
export class RelativeTimeController implements ReactiveController {
  now = Date.now()
  private timer: ReturnType<typeof setInterval> | undefined
  private readonly host: ReactiveControllerHost
  private readonly intervalMs: number

  constructor(host: ReactiveControllerHost, intervalMs = TICK_MS) {
    this.host = host
    this.intervalMs = intervalMs
    host.addController(this)
  }

  hostConnected(): void {
    this.now = Date.now()
    if (this.timer !== undefined) return
    this.timer = setInterval(() => {
      this.now = Date.now()
      this.host.requestUpdate()
    }, this.intervalMs)
  }

  hostDisconnected(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** Time elapsed since `at` (ms epoch), formatted. */
  since(at: number): string {
    return formatDuration(this.now - at)
  }
}
