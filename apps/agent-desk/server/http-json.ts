/** JSON in and out for the demo API, with a typed error that carries its HTTP status. */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** An API failure: `status` is the HTTP status, `code` a stable string for the client. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

const MAX_BODY_BYTES = 16 * 1024

/** Reads a JSON object body of at most 16 KiB. */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'too_large', 'Request body too large')
    chunks.push(chunk as Buffer)
  }
  if (size === 0) return {}
  let value: unknown
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch (error) {
    throw new HttpError(400, 'bad_json', `Request body is not JSON: ${(error as Error).message}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'bad_json', 'Request body must be a JSON object')
  }
  return value as Record<string, unknown>
}

export function sendJson(res: ServerResponse, status: number, value: unknown) {
  const body = JSON.stringify(value)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  })
  res.end(body)
}

/** The bearer token of a request, or an HttpError 401. */
export function bearerToken(req: IncomingMessage): string {
  const header = req.headers.authorization ?? ''
  const match = /^Bearer (\S+)$/.exec(header)
  if (match === null) throw new HttpError(401, 'no_token', 'Missing bearer token')
  return match[1]!
}
