/**
 * Binds an element to a live source (a PresenceClient, or anything shaped like the part of it
 * the element needs). Attached only while the element is connected; detached when it is
 * removed or when the source is replaced, so detached elements hold no listeners.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit'

export class LiveBinding<S> implements ReactiveController {
  private current: S | null = null
  private detach: (() => void) | null = null
  private connected = false
  private readonly attach: (source: S) => () => void

  /** `attach` starts listening to a source and returns the function that stops it. */
  constructor(host: ReactiveControllerHost, attach: (source: S) => () => void) {
    this.attach = attach
    host.addController(this)
  }

  get source(): S | null {
    return this.current
  }

  /** Switches to `source` (or to none); attaches at once if the host is connected. */
  bind(source: S | null | undefined): void {
    const next = source ?? null
    if (next === this.current) return
    this.stop()
    this.current = next
    if (this.connected) this.start()
  }

  hostConnected(): void {
    this.connected = true
    this.start()
  }

  hostDisconnected(): void {
    this.connected = false
    this.stop()
  }

  private start(): void {
    if (this.current === null || this.detach !== null) return
    this.detach = this.attach(this.current)
  }

  private stop(): void {
    const detach = this.detach
    this.detach = null
    detach?.()
  }
}
