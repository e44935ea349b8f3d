/**
 * Serves the built app. Paths that name no file fall back to `index.html`, so client-side
 * routes (`/mailbox/1/conversation/101`) survive a reload. Hashed assets are cached for a
 * year; `index.html` never, so a rebuild shows up on the next load.
 */
import { readFile, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, resolve, sep } from 'node:path'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

/** A request handler for GET/HEAD of the files under `staticDir`. */
export function createStaticHandler(staticDir: string) {
  const root = resolve(staticDir)
  return async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string) {
    let path = resolve(join(root, decodeURIComponent(pathname)))
    if (path !== root && !path.startsWith(root + sep)) {
      res.writeHead(404).end()
      return
    }
    const isAsset = pathname.startsWith('/assets/')
    if (!(await isFile(path))) {
      if (isAsset || extname(pathname) !== '') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
        return
      }
      path = join(root, 'index.html')
    }
    let body: Buffer
    try {
      body = await readFile(path)
    } catch {
      res
        .writeHead(503, { 'content-type': 'text/plain' })
        .end(`The app is not built: no ${path}. Run: pnpm --filter @sightline/agent-desk build`)
      return
    }
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': isAsset ? 'public, max-age=31536000, immutable' : 'no-cache',
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  }
}
