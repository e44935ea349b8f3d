/**
 * Short relative times ("20 s", "3 min", "2 h", "4 d") and the one ticking timer an element
 * needs to keep them fresh. The timer runs only while the element is in the document, so a
 * removed element costs nothing and never leaks an interval.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit'
import { type Messages, messagesFor } from './messages.js'

/**
 * Formats a non-negative duration in its largest whole unit ("20 s", "3 min", "2 h", "4 d";
 * negative durations read "0 s"), in `locale`'s words when given ("20秒" in Chinese).
 */
export function formatDuration(ms: number, locale?: string): string {
  return messagesFor(locale).duration(ms)
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

  /** Time elapsed since `at` (ms epoch), formatted in `messages`' words (default English). */
  since(at: number, messages: Messages = messagesFor('en')): string {
    return messages.duration(this.now - at)
  }
}
