/**
 * Where the CLI's pino lines go: stdout, without ever blocking the event loop on it.
 *
 * pino's default destination writes stdout synchronously and, when the pipe is full
 * (EAGAIN: the log reader is alive but not reading), sleeps 100 ms and retries inside the
 * write, forever. Then nothing else runs, not even the shutdown timer, and SIGTERM never
 * ends the process. This destination goes through `process.stdout`, which Node writes to a
 * pipe asynchronously, and caps what may wait in its queue: past `maxQueuedBytes` lines are
 * dropped (and counted, and said in one line once the queue drains). A reader that has gone
 * away (EPIPE) stops the writing altogether. The relay keeps serving, and exits on time,
 * whatever becomes of its log reader.
 */
import type { Writable } from 'node:stream'

/** Log bytes that may wait for a slow stdout reader before lines are dropped (4 MiB). */
export const MAX_QUEUED_LOG_BYTES = 4 * 1024 * 1024

export interface LogDestination {
  write(line: string): void
  /** Lines dropped so far (queue full or reader gone). */
  readonly dropped: number
}

/** A pino destination over `out` (default `process.stdout`); see the header. */
export function createLogDestination(
  out: Writable = process.stdout,
  maxQueuedBytes = MAX_QUEUED_LOG_BYTES,
): LogDestination {
  let gone = false
  let dropped = 0
  /** Dropped since the last line that got through. */
  let droppedSinceWrite = 0
  // EPIPE and the like: the reader is gone for good; without a listener it would crash us.
  out.on('error', () => {
    gone = true
  })
  return {
    write(line) {
      if (gone || out.destroyed || out.writableLength > maxQueuedBytes) {
        dropped++
        droppedSinceWrite++
        return
      }
      if (droppedSinceWrite > 0) {
        out.write(
          `${JSON.stringify({ level: 40, time: Date.now(), msg: `log output fell behind: dropped ${droppedSinceWrite} lines`, dropped: droppedSinceWrite })}\n`,
        )
        droppedSinceWrite = 0
      }
      out.write(line)
    },
    get dropped() {
      return dropped
    },
  }
}
