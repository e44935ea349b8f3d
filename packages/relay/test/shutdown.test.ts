import { EventEmitter } from 'node:events'
import { pino } from 'pino'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { handleShutdownSignals } from '../src/ops/shutdown.js'

function setup(timeoutMs: number) {
  let finish: () => void = () => {}
  const relay = {
    close: vi.fn((_options?: { code?: number }) => new Promise<void>((r) => (finish = r))),
  }
  const exit = vi.fn<(code: number) => void>()
  const signals = new EventEmitter()
  const remove = handleShutdownSignals({
    relay,
    log: pino({ level: 'silent' }),
    timeoutMs,
    exit,
    signals: signals as unknown as Pick<NodeJS.Process, 'on' | 'off'>,
  })
  onTestFinished(() => {
    remove()
    finish()
  })
  return { relay, exit, signals, finish: () => finish() }
}

describe('shutdown signals', () => {
  it('closes with 1012 on SIGTERM and exits 0 once closed', async () => {
    const t = setup(5000)
    t.signals.emit('SIGTERM', 'SIGTERM')
    expect(t.relay.close).toHaveBeenCalledWith({ code: 1012 })
    expect(t.exit).not.toHaveBeenCalled()
    t.finish()
    await vi.waitFor(() => expect(t.exit).toHaveBeenCalledWith(0))
  })

  it('exits 1 after the timeout when closing hangs', async () => {
    const t = setup(100)
    const start = performance.now()
    t.signals.emit('SIGINT', 'SIGINT')
    await vi.waitFor(() => expect(t.exit).toHaveBeenCalledWith(1))
    expect(performance.now() - start).toBeGreaterThanOrEqual(95)
  })

  it('exits at once on a second signal', () => {
    const t = setup(5000)
    t.signals.emit('SIGTERM', 'SIGTERM')
    t.signals.emit('SIGINT', 'SIGINT')
    expect(t.exit).toHaveBeenCalledWith(130)
    expect(t.relay.close).toHaveBeenCalledTimes(1)
  })
})
