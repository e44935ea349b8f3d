/**
 * SIGHTLINE_REDIS_URL: one Redis, or a Redis Cluster given by its seed nodes.
 *
 *   redis://[user:password@]host:port[/db]                    one Redis (rediss:// for TLS)
 *   redis-cluster://[user:password@]host:port[,host:port...]  a Redis Cluster (rediss-cluster://)
 *
 * A cluster URL lists one or more seed nodes (any masters or replicas; the client learns the
 * rest from the cluster itself, so one is enough and a few let a node start while one is
 * down). It has no database: a Redis Cluster has only database 0. IPv6 seeds go in brackets,
 * `[::1]:7000`. The port defaults to 6379, as in redis://.
 */

export interface RedisSeed {
  readonly host: string
  readonly port: number
}

export type RedisTarget =
  | { readonly mode: 'single'; readonly url: string }
  | {
      readonly mode: 'cluster'
      readonly seeds: readonly RedisSeed[]
      readonly username?: string
      readonly password?: string
      readonly tls: boolean
    }

/** The schemes SIGHTLINE_REDIS_URL accepts. */
export const REDIS_URL_SCHEMES = Object.freeze([
  'redis:',
  'rediss:',
  'redis-cluster:',
  'rediss-cluster:',
] as const)

/** What SIGHTLINE_REDIS_URL accepts, in words (for `--help`, errors and the docs). */
export const REDIS_URL_ALLOWED =
  'a redis:// or rediss:// URL (one Redis), or redis-cluster://host:port[,host:port...] (rediss-cluster:// for TLS)'

const CLUSTER_URL = /^(rediss?)-cluster:\/\/(?:([^@/]*)@)?([^/?#@]+)\/?$/

/** A seed: `host:port`, `host` or `[v6]:port`. */
const SEED = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+))(?::(\d{1,5}))?$/

/**
 * Reads a Redis URL. Throws an Error saying what is wrong (never echoing a password) when
 * `text` is not one.
 */
export function parseRedisUrl(text: string): RedisTarget {
  const value = text.trim()
  const scheme = /^([a-z-]+):/i.exec(value)?.[1]?.toLowerCase()
  if (scheme === 'redis' || scheme === 'rediss') {
    const hosts = /^[a-z]+:\/\/(?:[^@/]*@)?([^/?#]*)/i.exec(value)?.[1] ?? ''
    if (hosts.includes(',')) {
      throw new Error(
        `lists several hosts: for a Redis Cluster write ${scheme}-cluster://${hosts}, got "${redact(value)}"`,
      )
    }
    try {
      new URL(value)
    } catch {
      throw new Error(`must be ${REDIS_URL_ALLOWED}, got "${redact(value)}"`)
    }
    return { mode: 'single', url: value }
  }
  if (scheme !== 'redis-cluster' && scheme !== 'rediss-cluster') {
    throw new Error(`must be ${REDIS_URL_ALLOWED}, got "${redact(value)}"`)
  }
  const match = CLUSTER_URL.exec(value)
  if (match === null) {
    throw new Error(
      `must be ${scheme}://[user:password@]host:port[,host:port...] with no database or options (a Redis Cluster has only database 0), got "${redact(value)}"`,
    )
  }
  const [, base, auth, hosts] = match as unknown as [string, string, string | undefined, string]
  const seeds: RedisSeed[] = []
  for (const part of hosts.split(',')) {
    const seed = SEED.exec(part.trim())
    const port = seed?.[3] === undefined ? 6379 : Number(seed[3])
    const host = seed?.[1] ?? seed?.[2]
    if (host === undefined || port < 1 || port > 65_535) {
      throw new Error(`has a seed node that is not host:port: "${part}" in "${redact(value)}"`)
    }
    seeds.push({ host, port })
  }
  let username: string | undefined
  let password: string | undefined
  if (auth !== undefined) {
    const colon = auth.indexOf(':')
    const user = decodeURIComponent(colon < 0 ? auth : auth.slice(0, colon))
    if (user !== '') username = user
    if (colon >= 0) password = decodeURIComponent(auth.slice(colon + 1))
  }
  return {
    mode: 'cluster',
    seeds,
    tls: base === 'rediss',
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  }
}

/** Why `text` is not a Redis URL (for the settings table), or null when it is one. */
export function redisUrlProblem(text: string): string | null {
  try {
    parseRedisUrl(text)
    return null
  } catch (error) {
    return (error as Error).message
  }
}

/** `text` with the password of its user info replaced by `***`, for error messages. */
export function redact(text: string): string {
  return text.replace(/^([a-z-]+:\/\/[^:@/]*:)[^@/]*@/i, '$1***@')
}
