/**
 * What the host app sees of the connection: its status, the error that explains a status
 * other than `connected`, and every error as it happens. Fed by the connection's handlers.
 */
import type { ConnectionStatus } from './connection.js'
import type { PresenceError } from './errors.js'
import { createListeners, createObservable, type Listeners, type Observable } from './observable.js'

export interface ConnectionReport {
  readonly status: Observable<ConnectionStatus>
  readonly errors: Listeners<PresenceError>
  /**
   * The refusal that closed the client, or the last cause after several failed attempts; null
   * once the relay admits the tab.
   */
  readonly lastError: PresenceError | null
  /** The connection's `status` handler. */
  statusChanged(next: ConnectionStatus): void
  /** The connection's `error` handler. */
  errorOccurred(error: PresenceError): void
  /** Forgets every listener (on destroy). */
  clear(): void
}

export function createConnectionReport(): ConnectionReport {
  const status = createObservable<ConnectionStatus>('connecting')
  const errors = createListeners<PresenceError>()
  let lastError: PresenceError | null = null
  return {
    status,
    errors,
    get lastError() {
      return lastError
    },
    statusChanged(next) {
      if (next === 'connected') lastError = null
      status.set(next)
    },
    errorOccurred(error) {
      if (error.code === 'refused' || error.code === 'connect-failed') lastError = error
      errors.emit(error)
    },
    clear() {
      status.clear()
      errors.clear()
    },
  }
}
