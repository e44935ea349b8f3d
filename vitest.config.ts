import { configDefaults, defineConfig } from 'vitest/config'

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

const TEST_DIRS = [
  'packages/*/test/**/',
  'apps/*/test/**/',
  'bench/test/**/',
  'integrations/freescout/test/**/',
  'deploy/test/**/',
]
/** Files that open sockets or start processes say so in their name (CONTRIBUTING, "Tests"). */
const SLOW_SUFFIXES = ['*.integration.test.ts', '*.process.test.ts']

// Tests run on source: the `source` export condition points every workspace package at its
// src/index.ts, so `pnpm test` needs no build step first.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    // Two projects, each file in exactly one: `fast` (plain *.test.ts, in process; a setup file
    // makes opening a socket or a process throw) and `slow` (*.integration.test.ts and
    // *.process.test.ts). `pnpm test:fast` runs the first, `vitest run` both.
    projects: [
      {
        extends: true,
        test: {
          name: 'fast',
          include: TEST_DIRS.map((dir) => `${dir}*.test.ts`),
          exclude: [...configDefaults.exclude, ...SLOW_SUFFIXES.map((suffix) => `**/${suffix}`)],
          setupFiles: ['./scripts/test-setup/in-process-only.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'slow',
          include: TEST_DIRS.flatMap((dir) => SLOW_SUFFIXES.map((suffix) => `${dir}${suffix}`)),
        },
      },
      {
        // The relay's in-process integration suite again, on its other socket layer
        // (uWebSockets.js, relay option `transport`): both layers must pass the same tests.
        // The testkit's startRelay reads SIGHTLINE_TEST_TRANSPORT.
        extends: true,
        test: {
          name: 'relay-uws',
          include: ['packages/relay/test/**/*.integration.test.ts'],
          env: { SIGHTLINE_TEST_TRANSPORT: 'uws' },
        },
      },
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
