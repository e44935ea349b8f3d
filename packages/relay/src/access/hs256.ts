/**
 * HS256 tokens verified with `node:crypto` in one synchronous call. jose verifies through
 * WebCrypto, whose HMAC runs as a promise job per call: in the churn profile that job was
 * most of a join's CPU. This does exactly what jose's `jwtVerify` does for a compact JWS
 * with `alg: HS256` and the options the relay passes (`algorithms: ['HS256']`,
 * `requiredClaims: ['exp', 'sub']`, `clockTolerance`), with jose's error codes, stricter in
 * one point only: any `crit` header is refused (jose understands `crit: ["b64"]`, which no
 * JWT needs). `hs256.property.test.ts` checks that both give the same verdict on valid,
 * tampered, expired, not-yet-valid and malformed tokens. Public-key algorithms stay with jose.
 *
 * Order, as jose: shape, protected header (`alg` allowed, no `crit`), signature
 * (constant-time compare), then the claims (a JSON object; `exp` and `sub` required; `iat`,
 * `nbf`, `exp` numbers when present; already valid, not expired).
 */
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto'

/** A refusal with jose's code (`describe` in tokens.ts reports the code). */
export class TokenError extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.code = code
  }
}

/** Verifies HS256 tokens signed with `secret`; returns the payload or throws TokenError. */
export function hs256Verifier(
  secret: string,
  clockToleranceSec: number,
): (token: string, nowSec?: number) => Record<string, unknown> {
  const key = createSecretKey(Buffer.from(secret, 'utf8'))
  return (token, nowSec = Math.floor(Date.now() / 1000)) => {
    const parts = splitCompact(token)
    checkHeader(decodeJson(parts.header, 'ERR_JWS_INVALID', 'protected header'))
    checkSignature(key, token.slice(0, parts.signatureAt - 1), parts.signature)
    const payload = decodeJson(parts.payload, 'ERR_JWT_INVALID', 'JWT Claims Set')
    checkClaims(payload, nowSec, clockToleranceSec)
    return payload
  }
}

interface Compact {
  readonly header: string
  readonly payload: string
  readonly signature: string
  readonly signatureAt: number
}

function splitCompact(token: string): Compact {
  const first = token.indexOf('.')
  const second = first === -1 ? -1 : token.indexOf('.', first + 1)
  if (typeof token !== 'string' || second === -1 || token.indexOf('.', second + 1) !== -1) {
    throw new TokenError('ERR_JWS_INVALID', 'Invalid Compact JWS')
  }
  return {
    header: token.slice(0, first),
    payload: token.slice(first + 1, second),
    signature: token.slice(second + 1),
    signatureAt: second + 1,
  }
}

const BASE64URL = /^[A-Za-z0-9_-]*$/

/** A base64url segment decoded as a JSON object; throws `code` otherwise. */
function decodeJson(segment: string, code: string, what: string): Record<string, unknown> {
  if (!BASE64URL.test(segment)) throw new TokenError(code, `${what} is not base64url`)
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
  } catch {
    throw new TokenError(code, `${what} is not valid JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenError(code, `${what} must be a JSON object`)
  }
  return value as Record<string, unknown>
}

function checkHeader(header: Record<string, unknown>): void {
  if (header['alg'] !== 'HS256') {
    throw new TokenError(
      'ERR_JOSE_ALG_NOT_ALLOWED',
      '"alg" (Algorithm) Header Parameter value not allowed',
    )
  }
  // No extension is understood, so a critical one is refused.
  if ('crit' in header) {
    throw new TokenError(
      'ERR_JOSE_NOT_SUPPORTED',
      'no "crit" (Critical) Header Parameter is understood',
    )
  }
}

function checkSignature(key: KeyObject, signingInput: string, signature: string): void {
  const given = BASE64URL.test(signature) ? Buffer.from(signature, 'base64url') : null
  const expected = createHmac('sha256', key).update(signingInput).digest()
  if (given === null || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new TokenError('ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'signature verification failed')
  }
}

function checkClaims(payload: Record<string, unknown>, now: number, tolerance: number): void {
  for (const claim of ['iat', 'nbf', 'exp']) {
    if (claim in payload && typeof payload[claim] !== 'number') {
      throw new TokenError('ERR_JWT_CLAIM_VALIDATION_FAILED', `"${claim}" claim must be a number`)
    }
  }
  for (const claim of ['exp', 'sub']) {
    if (!(claim in payload)) {
      throw new TokenError('ERR_JWT_CLAIM_VALIDATION_FAILED', `missing required "${claim}" claim`)
    }
  }
  const { nbf, exp } = payload as { nbf?: number; exp: number }
  if (nbf !== undefined && nbf > now + tolerance) {
    throw new TokenError('ERR_JWT_CLAIM_VALIDATION_FAILED', '"nbf" claim timestamp check failed')
  }
  if (exp <= now - tolerance) {
    throw new TokenError('ERR_JWT_EXPIRED', '"exp" claim timestamp check failed')
  }
}
