/**
 * A Redis outage as the relay's log shows it: the bus has two connections (publish and
 * subscribe) that fail together, and each failure is one `bus error` line, not two in the
 * same millisecond.
 */
import { describe, expect, it, onTestFinished } from 'vitest'
import { createRedisTransport } from '../src/cluster/redis-transport.js'
import { freePort } from './cluster-fixtures.js'
import { capturedLogger } from './helpers.js'

interface BusErrorLine {
  time: number
  err: string
}

describe('the Redis bus during an outage', () => {
  it('logs each failure once, not once per connection', async () => {
    const { logger, lines } = capturedLogger()
    // Nothing listens there: every connection attempt of both connections is refused.
    const bus = createRedisTransport(`redis://127.0.0.1:${await freePort()}`, logger)
    onTestFinished(() => bus.close())
    const errors = () =>
      lines
        .map((l) => JSON.parse(l) as BusErrorLine & { msg: string })
        .filter((l) => l.msg === 'bus error')
    // ioredis retries after 50, 100, 150 ms ...: a few rounds of failures of both connections.
    await expect.poll(() => errors().length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3)
    const seen = errors()
    expect(seen[0]?.err).toMatch(/ECONNREFUSED/)
    for (const [i, line] of seen.entries()) {
      const previous = seen[i - 1]
      if (previous === undefined) continue
      const twin = line.err === previous.err && line.time - previous.time < 10
      expect(twin, `bus error logged twice at ${line.time}: ${line.err}`).toBe(false)
    }
  })
})
