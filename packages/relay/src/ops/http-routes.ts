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

/** A request listener for `http.createServer` answering the routes above. */
export function httpHandler(
  routes: HttpRoutes,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    const get = req.method === 'GET' || req.method === 'HEAD'
    const hasBody =
      req.headers['content-length'] !== undefined || 'transfer-encoding' in req.headers
    if (!get || hasBody) res.shouldKeepAlive = false
    if (!get) return void reply(res, 405, TEXT, 'method not allowed')
    if (get && path === '/healthz') return void reply(res, 200, TEXT, 'ok')
    if (get && path === '/readyz') {
      const why = routes.unready()
      return void (why === null ? reply(res, 200, TEXT, 'ready') : reply(res, 503, TEXT, why))
    }
    if (get && path === '/metrics' && routes.metrics !== null) {
      const registry = routes.metrics
      registry.metrics().then(
        (body) => reply(res, 200, registry.contentType, body),
        () => reply(res, 500, TEXT, 'metrics unavailable'),
      )
      return
    }
    reply(res, 404, TEXT, 'not found')
  }
}

function reply(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body)
}
