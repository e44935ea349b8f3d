/**
 * Graceful shutdown of the CLI. On the first SIGTERM or SIGINT the relay drains: /readyz
 * turns 503, new upgrades are refused with 1012 and every socket is closed with 1012, so
 * clients reconnect promptly (to this relay once restarted, or to another one). The process
 * exits 0 when that is done, or 1 after `timeoutMs` whatever is left. A second signal exits
 * at once (128 + signal number, as shells report it).
 */
import { constants } from 'node:os'
import { CloseCode } from '@sightline/protocol'
import type { Logger } from 'pino'

export interface ShutdownInit {
  readonly relay: { close(options?: { code?: number }): Promise<void> }
  readonly log: Pick<Logger, 'info' | 'warn' | 'error'>
  /** Bound (ms) between the first signal and the exit. */
  readonly timeoutMs: number
  /** `process.exit` in the CLI; a spy in tests. */
  readonly exit: (code: number) => void
  /** Where the signals come from. Default `process`. */
  readonly signals?: Pick<NodeJS.Process, 'on' | 'off'>
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const

/** Installs the signal handlers; returns a function that removes them. */
export function handleShutdownSignals(init: ShutdownInit): () => void {
  const signals = init.signals ?? process
  let stopping = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      init.log.warn({ signal }, 'second signal: exiting now')
      init.exit(128 + (constants.signals[signal] ?? 0))
      return
    }
    stopping = true
    init.log.info(
      { signal, timeoutMs: init.timeoutMs },
      'draining: closing every connection with 1012',
    )
    const timer = setTimeout(() => {
      init.log.warn({ timeoutMs: init.timeoutMs }, 'shutdown timed out: exiting anyway')
      init.exit(1)
    }, init.timeoutMs)
    init.relay.close({ code: CloseCode.Restarting }).then(
      () => {
        clearTimeout(timer)
        init.log.info('stopped')
        init.exit(0)
      },
      (error: unknown) => {
        clearTimeout(timer)
        init.log.error({ err: error }, 'error while closing')
        init.exit(1)
      },
    )
  }
  for (const s of SIGNALS) signals.on(s, onSignal)
  return () => {
    for (const s of SIGNALS) signals.off(s, onSignal)
  }
}
