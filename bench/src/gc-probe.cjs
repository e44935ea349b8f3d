/**
 * Preloaded into every server under test (`node --expose-gc --require gc-probe.cjs <server>`,
 * see servers.ts), the same for all three, so that memory per connection is compared after
 * garbage collection and not at whatever point of its heap growth each server happens to be.
 *
 * On SIGUSR2 it runs a full collection twice, 50 ms apart (the second collects what the
 * first one's finalizers released), then writes `process.memoryUsage()` and VmRSS from
 * /proc/self/status as JSON to the file named by SIGHTLINE_BENCH_GC_PROBE_FILE (written to a
 * temporary name and renamed, so the orchestrator never reads half a file). None of the servers
 * uses SIGUSR2 itself. Without the variable or without --expose-gc it does nothing.
 */
'use strict'
const { readFileSync, renameSync, writeFileSync } = require('node:fs')

const file = process.env.SIGHTLINE_BENCH_GC_PROBE_FILE
const gc = globalThis.gc

if (file && typeof gc === 'function') {
  process.on('SIGUSR2', () => {
    gc()
    setTimeout(() => {
      gc()
      const memory = process.memoryUsage()
      const status = readFileSync('/proc/self/status', 'utf8')
      const vmRssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0)
      const tmp = `${file}.tmp`
      writeFileSync(tmp, JSON.stringify({ ...memory, vmRssBytes: vmRssKb * 1024, at: Date.now() }))
      renameSync(tmp, file)
    }, 50)
  })
}
