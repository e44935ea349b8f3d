/**
 * Token verification. The relay accepts exactly one algorithm, fixed by its configuration
 * (HS256 for a shared secret; EdDSA, ES256 or RS256 for a public key); the token's own `alg`
 * header is only compared against it, never trusted. `exp` is required; the lifetime
 * (`exp - iat`, or `exp - now` without `iat`) may not exceed `maxTokenLifetimeSec`, and `iat`
 * may not lie in the future beyond the clock tolerance.
 *
 * Verified tokens are remembered until their `exp` (`VerifiedTokens`): a tab reconnects with
 * the token it had (a network blip, a relay restart, a tab moving nodes), and verifying a
 * signature is most of a join's CPU. Keyed by the token's SHA-256, so no token is kept.
 */
import { createHash, createPublicKey } from 'node:crypto'
import { PresenceLimits, type SightlineClaims } from '@sightline/protocol'
import { type CryptoKey, importJWK, importSPKI, type JWK, jwtVerify } from 'jose'
import { DEFAULT_OPTIONS, type JwtAlgorithm, type RelayOptions } from '../config/options.js'
import { RelayError, RelayErrorCode } from '../errors.js'
import { hs256Verifier } from './hs256.js'

/** Checks a token and returns its claims; rejects with a RelayError `bad_token`. */
export interface TokenVerifier {
  readonly algorithm: 'HS256' | JwtAlgorithm
  verify(token: string): Promise<SightlineClaims>
}

/** The claims the relay reads, as verified and checked by `readClaims`. */
interface CheckedClaims {
  readonly sub: string
  readonly name: string
  readonly avatar?: string | undefined
  readonly rooms: readonly string[]
  readonly exp: number
  readonly iat?: number | undefined
}

/** Longest room pattern in `rooms`, and most patterns in one token. */
const ROOM_PATTERN_MAX = 300
const ROOM_PATTERNS_MAX = 1000

const isText = (v: unknown, max: number): v is string =>
  typeof v === 'string' && v.length >= 1 && v.length <= max

/**
 * Checks the payload's types and bounds; returns the claims, or the names of the invalid
 * fields (`rooms.3` for one room pattern).
 */
function readClaims(payload: Record<string, unknown>): CheckedClaims | string[] {
  const { sub, name, avatar, rooms, exp, iat } = payload
  const bad: string[] = []
  if (!isText(sub, PresenceLimits.idLength)) bad.push('sub')
  if (!isText(name, PresenceLimits.nameLength)) bad.push('name')
  if (avatar !== undefined && !isText(avatar, PresenceLimits.avatarLength)) bad.push('avatar')
  if (!Array.isArray(rooms) || rooms.length > ROOM_PATTERNS_MAX) bad.push('rooms')
  else {
    for (const [i, r] of rooms.entries()) if (!isText(r, ROOM_PATTERN_MAX)) bad.push(`rooms.${i}`)
  }
  if (typeof exp !== 'number') bad.push('exp')
  if (iat !== undefined && typeof iat !== 'number') bad.push('iat')
  if (bad.length > 0) return bad
  return { sub, name, avatar, rooms, exp, iat } as CheckedClaims
}

type KeyMaterial = Uint8Array | CryptoKey | JWK

/** Builds the verifier for the configured key. Rejects with `config` when the key is unusable. */
export async function createTokenVerifier(
  options: Pick<RelayOptions, 'jwtSecret' | 'jwtPublicKey' | 'jwtAlgorithm' | 'clockToleranceSec'> &
    Partial<Pick<RelayOptions, 'maxTokenLifetimeSec'>>,
): Promise<TokenVerifier> {
  let key: KeyMaterial
  let algorithm: 'HS256' | JwtAlgorithm
  if (options.jwtSecret) {
    // Imported once: given raw bytes, jose imports the key again on every verification
    // (docs/performance.md, "Measurements behind code decisions").
    key = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(options.jwtSecret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    )
    algorithm = 'HS256'
  } else if (options.jwtPublicKey) {
    ;({ key, algorithm } = await importPublicKey(options.jwtPublicKey, options.jwtAlgorithm))
  } else {
    throw new RelayError(RelayErrorCode.Config, 'no token key configured (secret or public key)')
  }
  const maxLifetime = options.maxTokenLifetimeSec ?? DEFAULT_OPTIONS.maxTokenLifetimeSec
  const verifyOptions = {
    algorithms: [algorithm],
    requiredClaims: ['exp', 'sub'],
    clockTolerance: options.clockToleranceSec,
  }
  const verified = new VerifiedTokens()
  // HS256 in one synchronous node:crypto call (hs256.ts); public keys through jose.
  const verifyHs256 =
    options.jwtSecret && algorithm === 'HS256'
      ? hs256Verifier(options.jwtSecret, options.clockToleranceSec)
      : null
  return {
    algorithm,
    async verify(token: string): Promise<SightlineClaims> {
      const digest = VerifiedTokens.digest(token)
      const known = verified.get(digest)
      if (known !== undefined) return known
      let payload: object
      try {
        payload =
          verifyHs256 !== null
            ? verifyHs256(token)
            : (await jwtVerify(token, key, verifyOptions)).payload
      } catch (cause) {
        throw new RelayError(RelayErrorCode.BadToken, `token rejected: ${describe(cause)}`, {
          cause,
        })
      }
      const claims = readClaims(payload as Record<string, unknown>)
      if (Array.isArray(claims)) {
        throw new RelayError(RelayErrorCode.BadToken, `token claims invalid: ${claims.join(', ')}`)
      }
      const { sub, name, avatar, rooms, exp, iat } = claims
      checkLifetime(exp, iat, options.clockToleranceSec, maxLifetime)
      const checked: SightlineClaims = Object.freeze(
        avatar === undefined ? { sub, name, rooms, exp } : { sub, name, avatar, rooms, exp },
      )
      verified.set(digest, checked)
      return checked
    },
  }
}

/** Verified tokens remembered at most (about 0.5 KB each). */
export const MAX_VERIFIED_TOKENS = 10_000

/**
 * Claims of tokens that passed verification, by the token's SHA-256, until the token's `exp`
 * (never past it: an expired token is verified, and refused, again). Bounded: past
 * `MAX_VERIFIED_TOKENS` the oldest is forgotten. Refused tokens are never remembered (the
 * failure budget, failure-budget.ts, limits what they cost).
 */
export class VerifiedTokens {
  readonly #claims = new Map<string, SightlineClaims>()
  readonly #max: number

  constructor(max = MAX_VERIFIED_TOKENS) {
    this.#max = max
  }

  static digest(token: string): string {
    return createHash('sha256').update(token).digest('base64')
  }

  get size(): number {
    return this.#claims.size
  }

  /** The claims of a verified token, while it has not expired (`nowSec`: seconds). */
  get(digest: string, nowSec: number = Date.now() / 1000): SightlineClaims | undefined {
    const claims = this.#claims.get(digest)
    if (claims === undefined) return undefined
    if (claims.exp > nowSec) return claims
    this.#claims.delete(digest)
    return undefined
  }

  set(digest: string, claims: SightlineClaims): void {
    if (this.#claims.size >= this.#max) {
      const oldest = this.#claims.keys().next()
      if (!oldest.done) this.#claims.delete(oldest.value)
    }
    this.#claims.set(digest, claims)
  }
}

/** Refuses a token issued in the future or living longer than `maxTokenLifetimeSec`. */
function checkLifetime(
  exp: number,
  iat: number | undefined,
  clockToleranceSec: number,
  maxTokenLifetimeSec: number,
): void {
  const now = Date.now() / 1000
  if (iat !== undefined && iat > now + clockToleranceSec) {
    throw new RelayError(RelayErrorCode.BadToken, 'token rejected: iat lies in the future')
  }
  const lifetime = iat === undefined ? exp - now : exp - iat
  if (lifetime > maxTokenLifetimeSec) {
    throw new RelayError(
      RelayErrorCode.BadToken,
      `token rejected: lifetime ${Math.round(lifetime)} s exceeds ${maxTokenLifetimeSec} s`,
    )
  }
}

async function importPublicKey(
  text: string,
  configured: JwtAlgorithm | undefined,
): Promise<{ key: CryptoKey | Uint8Array; algorithm: JwtAlgorithm }> {
  const trimmed = text.trim()
  // Node would derive a public key from a private one: refuse it rather than hold it.
  const mistake = whatKeyIs(trimmed)
  if (mistake !== null) {
    throw new RelayError(
      RelayErrorCode.Config,
      `SIGHTLINE_JWT_PUBLIC_KEY / jwtPublicKey is not a usable public key: ${mistake}`,
    )
  }
  try {
    if (trimmed.startsWith('{')) {
      const jwk = parseJwk(trimmed)
      const algorithm = pickAlgorithm(createPublicKey({ key: jwk, format: 'jwk' }), configured)
      return { key: await importJWK(jwk, algorithm), algorithm }
    }
    const algorithm = pickAlgorithm(createPublicKey(trimmed), configured)
    return { key: await importSPKI(trimmed, algorithm), algorithm }
  } catch (cause) {
    if (cause instanceof RelayError) throw cause
    throw new RelayError(
      RelayErrorCode.Config,
      `SIGHTLINE_JWT_PUBLIC_KEY / jwtPublicKey is not a usable PEM (SPKI) or JWK public key${
        configured ? ` for ${configured}` : ''
      }: ${whatKeyIs(trimmed) ?? describe(cause)}`,
      { cause },
    )
  }
}

/**
 * What a configured key that failed to import looks like, and how to fix it; null when it
 * looks like none of the usual mistakes.
 */
export function whatKeyIs(text: string): string | null {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    return 'got a PRIVATE key; give the relay only the public half (openssl pkey -in key.pem -pubout)'
  }
  if (text.includes('-----BEGIN CERTIFICATE-----')) {
    return 'got a certificate; give its public key (openssl x509 -in cert.pem -pubkey -noout)'
  }
  if (text.includes('-----BEGIN') && text.includes('\\n')) {
    return 'got a PEM with literal \\n in place of line breaks; use real line breaks (in .env: a quoted multi-line value) or a one-line JWK'
  }
  if (
    !text.includes('-----BEGIN') &&
    !text.startsWith('{') &&
    /^[.~]?\/|^[A-Za-z]:\\|\.(pem|key|pub|json)$/.test(text)
  ) {
    return `got "${text}", which looks like a file path; give the key itself, e.g. SIGHTLINE_JWT_PUBLIC_KEY="$(cat ${text})"`
  }
  if (text.startsWith('{') && /"d"\s*:/.test(text)) {
    return 'got a private JWK (it has "d"); give the public JWK (without d, p, q, dp, dq, qi)'
  }
  return null
}

/**
 * Parses a JWK, saying what went wrong in an operator's terms: the usual mistake is a
 * double-quoted `.env` value, which keeps the backslashes of `\"` (dotenv expands only `\n`).
 */
function parseJwk(text: string): JWK {
  try {
    return JSON.parse(text) as JWK
  } catch (cause) {
    const escaped = text.includes('\\"')
    throw new RelayError(
      RelayErrorCode.Config,
      `SIGHTLINE_JWT_PUBLIC_KEY / jwtPublicKey is not valid JWK JSON (${(cause as Error).message})${
        escaped
          ? '; it holds backslash-escaped quotes (\\"), which a double-quoted .env value keeps (the .env reader unescapes only \\n)'
          : ''
      }; write the JWK as one line in single quotes: SIGHTLINE_JWT_PUBLIC_KEY='{"kty":"OKP",...}'`,
      { cause },
    )
  }
}

/** The algorithm a public key is for, or null for a key the relay cannot use. */
function algorithmOf(key: ReturnType<typeof createPublicKey>): JwtAlgorithm | null {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA'
  if (key.asymmetricKeyType === 'rsa') return 'RS256'
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return 'ES256'
  }
  return null
}

/**
 * The configured algorithm, checked against the key (jose would only say
 * ERR_JOSE_NOT_SUPPORTED), or the key's own when none is configured.
 */
function pickAlgorithm(
  key: ReturnType<typeof createPublicKey>,
  configured: JwtAlgorithm | undefined,
): JwtAlgorithm {
  const own = algorithmOf(key)
  const type = keyTypeName(key)
  if (own === null) {
    throw new RelayError(
      RelayErrorCode.Config,
      `SIGHTLINE_JWT_PUBLIC_KEY (key type ${type}) is not supported; use an Ed25519 (EdDSA), P-256 (ES256) or RSA (RS256) key`,
    )
  }
  if (configured !== undefined && configured !== own) {
    throw new RelayError(
      RelayErrorCode.Config,
      `SIGHTLINE_JWT_ALGORITHM is ${configured} but SIGHTLINE_JWT_PUBLIC_KEY (key type ${type}) is for ${own}; set SIGHTLINE_JWT_ALGORITHM=${own} (or leave it unset: the key says), or give the public half of the ${configured} key the helpdesk signs with`,
    )
  }
  return own
}

/** A key type as operators know it: Ed25519, RSA, EC P-256 (prime256v1), ... */
function keyTypeName(key: ReturnType<typeof createPublicKey>): string {
  const type = key.asymmetricKeyType ?? 'unknown'
  if (type === 'ec') return `EC ${key.asymmetricKeyDetails?.namedCurve ?? ''}`.trim()
  if (type.startsWith('ed') || type.startsWith('x'))
    return type.charAt(0).toUpperCase() + type.slice(1)
  return type.toUpperCase()
}

function describe(error: unknown): string {
  if (error instanceof Error) return (error as { code?: string }).code ?? error.message
  return String(error)
}
