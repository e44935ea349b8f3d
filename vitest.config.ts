import { defineConfig } from 'vitest/config'

// Node 20 lacks Map.groupBy (added in Node 21), which vitest 5's reporter calls when a test
// fails; without it a failure is reported as a TypeError that hides the real assertion.
if (typeof (Map as { groupBy?: unknown }).groupBy !== 'function') {
  Object.defineProperty(Map, 'groupBy', {
    configurable: true,
    writable: true,
    value<K, T>(items: Iterable<T>, key: (item: T, index: number) => K): Map<K, T[]> {
      const groups = new Map<K, T[]>()
      let i = 0
      for (const item of items) {
        const k = key(item, i++)
        const group = groups.get(k)
        if (group) group.push(item)
        else groups.set(k, [item])
      }
      return groups
    },
  })
}

// Tests run on source: the `source` export condition points every workspace package at its
// src/index.ts, so `pnpm test` needs no build step first.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
      'bench/test/**/*.test.ts',
      'integrations/freescout/test/**/*.test.ts',
      'deploy/test/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // No retries: every timing bound gets one try. A test whose flakiness is understood takes
    // `{ retry }` itself, with a comment saying why; the reporter below names, at the end of
    // the run, every test that needed one.
    retry: 0,
    reporters: ['default', './scripts/reporters/vitest-retries.ts'],
  },
})
