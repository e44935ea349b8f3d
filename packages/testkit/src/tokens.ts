/**
 * Test tokens: real HS256 JWTs, as the relay verifies them. The signature is an HMAC-SHA256
 * from node:crypto, so nothing here needs a JWT library, and minting is synchronous.
 */
import { createHmac } from 'node:crypto'

/** The secret every test relay and every test token share (at least 32 bytes). */
export const TEST_SECRET = 'sightline-test-secret-0123456789abcdef'

export interface TokenInput {
  sub: string
  /** Default: the subject capitalised ("alice" -> "Alice"). */
  name?: string
  avatar?: string
  /** Room patterns granted. Default `['*']` (every room). */
  rooms?: string[]
  /** Seconds from now until expiry. Default 3600. */
  expiresIn?: number
  /** Default `TEST_SECRET`. */
  secret?: string
}

/** The display name a test agent gets when none is given. */
export function nameOf(sub: string): string {
  return sub.charAt(0).toUpperCase() + sub.slice(1)
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url')

/** An HS256 JWT for `input`, with `iat` now and `exp` `expiresIn` seconds later. */
export function mintToken(input: TokenInput): string {
  const now = Math.floor(Date.now() / 1000)
  const claims: Record<string, unknown> = {
    sub: input.sub,
    name: input.name ?? nameOf(input.sub),
    rooms: input.rooms ?? ['*'],
    iat: now,
    exp: now + (input.expiresIn ?? 3600),
  }
  if (input.avatar !== undefined) claims['avatar'] = input.avatar
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const payload = base64url(JSON.stringify(claims))
  const signature = createHmac('sha256', input.secret ?? TEST_SECRET)
    .update(`${header}.${payload}`)
    .digest()
  return `${header}.${payload}.${base64url(signature)}`
}
