/**
 * Test tokens. `signToken` makes real HS256 JWTs (the relay verifies them with jose); the
 * signature is an HMAC-SHA256 from node:crypto, so the tests need no JWT library of their own.
 */
import { createHmac } from 'node:crypto'

export interface TestClaims {
  sub: string
  name: string
  avatar?: string
  rooms?: string[]
  /** Seconds from now until expiry. Default 3600. */
  ttlSec?: number
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url')

/** An HS256 JWT for `claims`, signed with `secret`. */
export function signToken(secret: string, claims: TestClaims): string {
  const { ttlSec = 3600, rooms = ['mailbox/1/*'], ...rest } = claims
  const now = Math.floor(Date.now() / 1000)
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const payload = base64url(JSON.stringify({ ...rest, rooms, iat: now, exp: now + ttlSec }))
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest()
  return `${header}.${payload}.${base64url(signature)}`
}
