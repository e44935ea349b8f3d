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
}

export interface DemoStackHandle {
  readonly deskUrl: string
  readonly relayUrl: string
  close(): Promise<void>
}

/** Starts the relay, then the desk server pointing at it. */
export async function startDemoStack(options: DemoStackOptions): Promise<DemoStackHandle> {
  const host = options.host ?? '127.0.0.1'
  const port = options.relayPort ?? 1234
  const fromEnv = options.relayEnv
    ? parseRelayEnv({
        ...options.relayEnv,
        HOST: host,
        PORT: String(port),
        SIGHTLINE_JWT_SECRET: options.secret,
        SIGHTLINE_JWT_PUBLIC_KEY: undefined,
      }).options
    : {}
  const relay = await createRelay({
    ...fromEnv,
    ...options.relay,
    host,
    port,
    jwtSecret: options.secret,
  })
  let desk: Awaited<ReturnType<typeof createDeskServer>>
  try {
    desk = await createDeskServer({
      host,
      port: options.deskPort ?? deskServerDefaults.port,
      secret: options.secret,
      relayUrl: relay.url,
      staticDir: options.staticDir ?? deskServerDefaults.staticDir,
    })
  } catch (error) {
    await relay.close()
    throw error
  }
  return {
    deskUrl: desk.url,
    relayUrl: relay.url,
    async close() {
      await Promise.allSettled([desk.close(), relay.close()])
    },
  }
}
