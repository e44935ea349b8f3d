/**
 * A value that tells its listeners when it changes, and a bare event: the one way the presence
 * clients publish `others`, `status`, `replies`, list conversations and errors.
 */

/** Listeners of one event; `emit` calls each in the order they were added. */
export interface Listeners<T> {
  /** Adds `listener`; returns a function that removes it. */
  add(listener: (value: T) => void): () => void
  emit(value: T): void
  clear(): void
}

export function createListeners<T>(): Listeners<T> {
  const listeners = new Set<(value: T) => void>()
  return {
    add(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    emit(value) {
      for (const listener of listeners) listener(value)
    },
    clear() {
      listeners.clear()
    },
  }
}

/** A current value; subscribers are called now and on every change. */
export interface Observable<T> {
  readonly value: T
  /** Sets `next` and notifies when it differs from the current value; true when it did. */
  set(next: T): boolean
  /** Calls `listener` now and on every change; returns a function that stops it. */
  subscribe(listener: (value: T) => void): () => void
  /** Forgets every subscriber (on destroy). */
  clear(): void
}

/**
 * An observable starting at `initial`. `equals` decides what counts as a change (default:
 * the same object); pass `sameJson` for values rebuilt from scratch on every update.
 */
export function createObservable<T>(
  initial: T,
  equals: (a: T, b: T) => boolean = Object.is,
): Observable<T> {
  let value = initial
  const listeners = createListeners<T>()
  return {
    get value() {
      return value
    },
    set(next) {
      if (equals(value, next)) return false
      value = next
      listeners.emit(value)
      return true
    },
    subscribe(listener) {
      const remove = listeners.add(listener)
      listener(value)
      return remove
    },
    clear: () => listeners.clear(),
  }
}

/** Equality of plain data by its JSON text (lists of viewers or replies: small, acyclic). */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}
