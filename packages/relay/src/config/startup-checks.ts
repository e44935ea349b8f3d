/**
 * What the CLI tells an operator at start, on stderr, before anything else happens: settings
 * that look like mistakes (an unknown SIGHTLINE_* variable, likely a typo that silently leaves
 * a feature off; a relay on a public interface with no origin allowlist, or serving /metrics
 * there), and start-up failures worded as what to do (a port in use names its setting).
 */
import { isIP } from 'node:net'
import { nearestName } from './nearest-name.js'
import type { RelayOptions } from './options.js'

/** Variables named like ours but unknown, each with the nearest known name, if one is close. */
export function unknownVariables(
  env: Readonly<Record<string, string | undefined>>,
  known: readonly string[],
): { name: string; suggestion: string | null }[] {
  const out: { name: string; suggestion: string | null }[] = []
  for (const name of Object.keys(env)) {
    if (!name.startsWith('SIGHTLINE_') || known.includes(name)) continue
    out.push({ name, suggestion: nearestName(name, known, Math.max(3, name.length / 4)) })
  }
  return out
}

/** Warnings about a relay reachable beyond this machine with checks left off. */
export function exposureWarnings(
  options: Pick<RelayOptions, 'host' | 'allowedOrigins' | 'metricsPort'>,
): string[] {
  if (isLoopback(options.host)) return []
  const warnings: string[] = []
  if (options.allowedOrigins === undefined || options.allowedOrigins.length === 0) {
    warnings.push(
      `HOST ${options.host} is not loopback and SIGHTLINE_ALLOWED_ORIGINS is unset: any web ` +
        "page can open sockets with an agent's token; set it to your helpdesk's origin",
    )
  }
  if (options.metricsPort === undefined) {
    warnings.push(
      `HOST ${options.host} is not loopback and /metrics is served on PORT: set ` +
        'SIGHTLINE_METRICS_PORT (and SIGHTLINE_METRICS_HOST=127.0.0.1) to keep it private',
    )
  }
  return warnings
}

/** One line saying what to do about a start-up failure, or null when it is not one we know. */
export function describeStartError(
  error: unknown,
  options: Pick<RelayOptions, 'host' | 'port' | 'metricsHost' | 'metricsPort'>,
): string | null {
  const e = error as { code?: string; port?: number; address?: string } | null
  if (e === null || typeof e !== 'object') return null
  if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') {
    const isMetrics =
      options.metricsPort !== undefined && e.port === options.metricsPort && e.port !== options.port
    const setting = isMetrics ? 'SIGHTLINE_METRICS_PORT' : 'PORT'
    const hostSetting = isMetrics ? 'SIGHTLINE_METRICS_HOST' : 'HOST'
    const where = `${e.address ?? (isMetrics ? (options.metricsHost ?? options.host) : options.host)}:${e.port}`
    if (e.code === 'EADDRINUSE') {
      return `${setting} ${e.port}: ${where} is already in use; stop the other process or set ${setting}`
    }
    if (e.code === 'EACCES') {
      return `${setting} ${e.port}: not allowed to listen on ${where} (ports below 1024 need privileges); set ${setting}`
    }
    return `${hostSetting}: ${e.address} is not an address of this machine; set ${hostSetting}`
  }
  return null
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true
  return isIP(host) === 4 && host.startsWith('127.')
}
