/** The relay's package version (for `--version` and the `build_info` metric). */
import { readFileSync } from 'node:fs'

/**
 * Read from the package's package.json: two levels above this file in `src/ops/` and
 * `dist/ops/`, one level above the bundled CLI (`dist/cli.js`).
 */
export function relayVersion(): string {
  for (const path of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as {
        name?: unknown
        version?: unknown
      }
      if (pkg.name === '@sightline/relay') return String(pkg.version ?? 'unknown')
    } catch {
      // not there: try the next place
    }
  }
  return 'unknown'
}
