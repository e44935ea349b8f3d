/**
 * prom-client's default metrics (CPU, memory, heap, handles, event-loop lag, GC) on one
 * relay's registry, with a way to stop them.
 *
 * `collectDefaultMetrics` starts an event-loop-delay histogram (sampling every 10 ms) and a
 * GC PerformanceObserver and offers no way to stop either, so every relay created in a
 * process would leave two behind. While it runs (synchronously) we note the ones it creates,
 * so that `stop()` can disable and disconnect them when the relay closes.
 */
import perfHooks from 'node:perf_hooks'
import { collectDefaultMetrics, type Registry } from 'prom-client'

type Histogram = ReturnType<typeof perfHooks.monitorEventLoopDelay>

/** Registers the default metrics on `registry`; the returned function stops their monitors. */
export function startProcessMetrics(registry: Registry): () => void {
  const histograms: Histogram[] = []
  const observers: perfHooks.PerformanceObserver[] = []
  const original = {
    monitorEventLoopDelay: perfHooks.monitorEventLoopDelay,
    PerformanceObserver: perfHooks.PerformanceObserver,
  }
  const hooks = perfHooks as { -readonly [K in keyof typeof original]: (typeof original)[K] }
  hooks.monitorEventLoopDelay = (options) => {
    const histogram = original.monitorEventLoopDelay(options)
    histograms.push(histogram)
    return histogram
  }
  hooks.PerformanceObserver = class extends original.PerformanceObserver {
    constructor(callback: perfHooks.PerformanceObserverCallback) {
      super(callback)
      observers.push(this)
    }
  }
  try {
    collectDefaultMetrics({ register: registry })
  } finally {
    hooks.monitorEventLoopDelay = original.monitorEventLoopDelay
    hooks.PerformanceObserver = original.PerformanceObserver
  }
  return () => {
    for (const h of histograms.splice(0)) h.disable()
    for (const o of observers.splice(0)) o.disconnect()
  }
}
