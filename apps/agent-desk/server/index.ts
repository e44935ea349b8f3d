/**
 * The agent-desk server: the built app plus a demo helpdesk API that mints Sightline tokens.
 * It stands in for the backend an operator already has (FreeScout, Zammad, ...), which would
 * mint the same tokens with the same secret the relay verifies.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { handleApi } from './api.js'
import { createDemoStore } from './demo-store.js'
import { HttpError, sendJson } from './http-json.js'
import { createStaticHandler } from './static-files.js'
import { createTokenIssuer } from './tokens.js'

export interface DeskServerOptions {
  /** TCP port; 0 picks a free one. Default 5173. */
  readonly port: number
  /** Interface to listen on. Default '127.0.0.1'. */
  readonly host: string
  /** HS256 secret shared with the relay (`SIGHTLINE_JWT_SECRET`). Required. */
  readonly secret: string
  /**
   * Relay base URL handed to the app, e.g. ws://127.0.0.1:1234. Default that. Several (a
   * cluster demo): each sign-in gets the next, round robin, as a load balancer would spread
   * agents over relay nodes.
   */
  readonly relayUrl: string | readonly string[]
  /** Directory of the built app. Default `apps/agent-desk/dist`. */
  readonly staticDir: string
  /** Token lifetime in seconds. Default 900 (15 min). */
  readonly tokenTtlSec: number
}

export interface DeskServerHandle {
  /** http://host:port, no trailing slash. */
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

export const deskServerDefaults = Object.freeze({
  port: 5173,
  host: '127.0.0.1',
  relayUrl: 'ws://127.0.0.1:1234',
  staticDir: fileURLToPath(new URL('../dist', import.meta.url)),
  tokenTtlSec: 900,
})

/** Starts a desk server; every piece of state belongs to the returned handle. */
export async function createDeskServer(
  options: Partial<DeskServerOptions> & Pick<DeskServerOptions, 'secret'>,
): Promise<DeskServerHandle> {
  const config: DeskServerOptions = { ...deskServerDefaults, ...options }
  if (config.secret.length < 16) throw new Error('createDeskServer: secret must be 16+ chars')
  const ctx = {
    store: createDemoStore(),
    tokens: createTokenIssuer({ secret: config.secret, ttlSec: config.tokenTtlSec }),
    relayUrl: roundRobin(config.relayUrl),
  }
  const serveStatic = createStaticHandler(config.staticDir)

  const server = createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost')
    const work = pathname.startsWith('/api/')
      ? handleApi(ctx, req, res, pathname)
      : pathname === '/healthz'
        ? Promise.resolve(void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'))
        : req.method === 'GET' || req.method === 'HEAD'
          ? serveStatic(req, res, pathname)
          : Promise.reject(new HttpError(405, 'method', `${req.method} not allowed`))
    work.catch((error: unknown) => {
      if (res.headersSent) return void res.destroy()
      if (error instanceof HttpError) {
        return sendJson(res, error.status, { error: error.code, message: error.message })
      }
      console.error('agent-desk server error', error)
      sendJson(res, 500, { error: 'internal', message: 'Internal error' })
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}

/** A function returning the next of `urls` each call (the only one, when there is one). */
function roundRobin(urls: string | readonly string[]): () => string {
  const list = typeof urls === 'string' ? [urls] : urls
  if (list.length === 0) throw new Error('createDeskServer: relayUrl must name a relay')
  let next = 0
  return () => list[next++ % list.length] as string
}
