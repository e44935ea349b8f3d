/**
 * Second build step: replaces tsc's `dist/cli.js` with one self-contained ES module holding the
 * CLI, the relay and its dependencies. Node loads one file instead of ~300 (the relay's modules,
 * jose, pino, prom-client, ws, yjs, ...): the relay listens in about half the time after a
 * restart, which is most of the time agents are shown as gone (docs/performance.md, restart).
 * The library entry (`dist/index.js`) stays tsc's output and imports its dependencies as usual.
 */
import { chmodSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const entry = join(dist, 'cli.js')

await build({
  entryPoints: [entry],
  outfile: entry,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The hashbang is kept from the entry. CommonJS dependencies bundled into an ES module still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __sightlineRequire } from 'node:module';\nconst require = __sightlineRequire(import.meta.url);",
  },
  minifyWhitespace: true,
  sourcemap: 'linked',
  logLevel: 'warning',
})
// tsc's map of the unbundled file would now describe the wrong code.
rmSync(`${entry}.map`, { force: true })
// Executable, so that `dist/cli.js --version` runs as the docs show (tsc writes 0644; the
// hashbang alone is not enough). `pnpm deploy` and `pnpm pack` keep the mode.
chmodSync(entry, 0o755)
