/**
 * The relay's plain HTTP answers: `GET /healthz` (the process serves), `GET /readyz` (200
 * while accepting connections, 503 with the reason once draining, while the cluster bus is
 * down, or while another node uses this node's id, so a load balancer stops sending new ones)
 * and `GET /metrics` (Prometheus text of this relay's registry). Another method gets 405,
 * any other path 404. No route reads a body: a request that announces one, or uses another
 * method, is answered at once and its connection closed, so a body trickling in byte by
 * byte holds nothing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Registry } from 'prom-client'

export interface HttpRoutes {
  /**
   * Null while ready; else why not, in a few words (`draining`, `bus disconnected`, `duplicate
   * node id ...`), the body of the 503.
   */
  unready(): string | null
  /** The registry served at `/metrics`; `null` when metrics are served elsewhere. */
  readonly metrics: Registry | null
}

const TEXT = 'text/plain; charset=utf-8'

/** One answer of the routes, whatever the socket layer writes it with. */
export interface HttpAnswer {
  readonly status: number
  /** The `content-type`. */
  readonly type: string
  readonly body: string
  /** Close the connection after it (a request with a body, or another method than GET/HEAD). */
  readonly close: boolean
}

/**
 * The answer to `method` `path` (the target without its query), whose request announced a
 * body (`hasBody`) or not; a promise for `/metrics` (the registry collects asynchronously).
 * Socket layers write it with their own HTTP server (`httpHandler` for Node's).
 */
export function answerHttp(
  routes: HttpRoutes,
  method: string,
  path: string,
  hasBody: boolean,
): HttpAnswer | Promise<HttpAnswer> {
  const get = method === 'GET' || method === 'HEAD'
  const close = !get || hasBody
  if (!get) return { status: 405, type: TEXT, body: 'method not allowed', close }
  if (path === '/healthz') return { status: 200, type: TEXT, body: 'ok', close }
  if (path === '/readyz') {
    const why = routes.unready()
    return why === null
      ? { status: 200, type: TEXT, body: 'ready', close }
      : { status: 503, type: TEXT, body: why, close }
  }
  if (path === '/metrics' && routes.metrics !== null) {
    const registry = routes.metrics
    return registry.metrics().then(
      (body) => ({ status: 200, type: registry.contentType, body, close }),
      () => ({ status: 500, type: TEXT, body: 'metrics unavailable', close }),
    )
  }
  return { status: 404, type: TEXT, body: 'not found', close }
}

/** A request listener for `http.createServer` answering the routes above. */
export function httpHandler(
  routes: HttpRoutes,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const hasBody =
      req.headers['content-length'] !== undefined || 'transfer-encoding' in req.headers
    const answer = answerHttp(
      routes,
      req.method ?? '',
      (req.url ?? '/').split('?')[0] ?? '/',
      hasBody,
    )
    if (answer instanceof Promise) answer.then((a) => reply(res, a))
    else reply(res, answer)
  }
}

function reply(res: ServerResponse, answer: HttpAnswer): void {
  if (answer.close) res.shouldKeepAlive = false
  res
    .writeHead(answer.status, { 'content-type': answer.type, 'cache-control': 'no-store' })
    .end(answer.body)
}
