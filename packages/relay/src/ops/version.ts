/** The relay's package version (for `--version` and the `build_info` metric). */
import { readFileSync } from 'node:fs'

/** Read from package.json two levels above this file (true of `src/ops/` and of `dist/ops/`). */
export function relayVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
    return String((pkg as { version?: unknown }).version ?? 'unknown')
  } catch {
    return 'unknown'
  }
}
