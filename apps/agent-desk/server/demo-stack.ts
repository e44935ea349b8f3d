/**
 * A relay and a desk server that trust the same secret: what `pnpm start` runs and what the
 * end-to-end tests run against. Both are real; nothing is mocked.
 */
import { createRelay, parseRelayEnv, type RelayOptions } from '@sightline/relay'
import { createDeskServer, deskServerDefaults } from './index.js'

export interface DemoStackOptions {
  /** HS256 secret shared by relay and desk server. */
  readonly secret: string
  /** Interface for both servers. Default '127.0.0.1'. */
  readonly host?: string
  /** Relay port. Default 1234; 0 picks a free one. */
  readonly relayPort?: number
  /** Desk server port. Default 5173; 0 picks a free one. */
  readonly deskPort?: number
  /** Directory of the built app. Default `apps/agent-desk/dist`. */
  readonly staticDir?: string
  /**
   * Environment to read relay settings from (SIGHTLINE_PING_INTERVAL_MS, ...), as the relay
   * CLI does; secret, host and port always come from these options. Default: none.
   */
  readonly relayEnv?: Readonly<Record<string, string | undefined>>
  /** Any other relay options (intervals, logger); win over `relayEnv`. */
  readonly relay?: Partial<RelayOptions>
  /**
   * Cluster demo: this many relay nodes (ports `relayPort`, `relayPort + 1`, ...) joined
   * through Redis at `redisUrl`; each sign-in goes to the next node. Default 1 (no Redis).
   */
  readonly nodes?: number
  readonly redisUrl?: string
}

export interface DemoStackHandle {
  readonly deskUrl: string
  /** The (first) relay. */
  readonly relayUrl: string
  /** Every relay node (one unless a cluster demo). */
  readonly relayUrls: readonly string[]
  close(): Promise<void>
}

/** Starts the relay (or relay nodes), then the desk server pointing at it. */
export async function startDemoStack(options: DemoStackOptions): Promise<DemoStackHandle> {
  const host = options.host ?? '127.0.0.1'
  const port = options.relayPort ?? 1234
  const nodes = options.nodes ?? 1
  if (nodes > 1 && options.redisUrl === undefined) {
    throw new Error('startDemoStack: several relay nodes need redisUrl')
  }
  const fromEnv = options.relayEnv
    ? parseRelayEnv({
        ...options.relayEnv,
        HOST: host,
        PORT: String(port),
        SIGHTLINE_JWT_SECRET: options.secret,
        SIGHTLINE_JWT_PUBLIC_KEY: undefined,
      }).options
    : {}
  const relays: Awaited<ReturnType<typeof createRelay>>[] = []
  let desk: Awaited<ReturnType<typeof createDeskServer>>
  try {
    for (let i = 0; i < nodes; i++) {
      relays.push(
        await createRelay({
          ...fromEnv,
          ...options.relay,
          host,
          port: port === 0 ? 0 : port + i,
          jwtSecret: options.secret,
          ...(options.redisUrl === undefined
            ? {}
            : { redisUrl: options.redisUrl, nodeId: `demo-node-${i + 1}` }),
        }),
      )
    }
    desk = await createDeskServer({
      host,
      port: options.deskPort ?? deskServerDefaults.port,
      secret: options.secret,
      relayUrl: relays.map((r) => r.url),
      staticDir: options.staticDir ?? deskServerDefaults.staticDir,
    })
  } catch (error) {
    await Promise.allSettled(relays.map((r) => r.close()))
    throw error
  }
  return {
    deskUrl: desk.url,
    relayUrl: relays[0]!.url,
    relayUrls: relays.map((r) => r.url),
    async close() {
      await Promise.allSettled([desk.close(), ...relays.map((r) => r.close())])
    },
  }
}
