/**
 * The relay's HS256 verifier (access/hs256.ts) against jose's `jwtVerify` with the options
 * the relay used to pass it: the same verdict, and the same payload when accepted, on tokens
 * that are valid, tampered, signed with another key, expired, not yet valid, missing claims,
 * with other algorithms, or malformed (fast-check).
 */
import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { hs256Verifier } from '../src/access/hs256.js'

const SECRET = 'sightline-hs256-property-secret-0123456789'
const OTHER = 'another-secret-of-the-same-length-0123456789'
const TOLERANCE = 5
const NOW = 1_800_000_000

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')
const sign = (input: string, secret: string) =>
  createHmac('sha256', secret).update(input).digest('base64url')

/** Mostly well-formed: a verdict of "refused" everywhere would prove nothing. */
const header = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom<unknown>({ alg: 'HS256', typ: 'JWT' }, { alg: 'HS256' }),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom<unknown>(
      { alg: 'HS384' },
      { alg: 'none' },
      { alg: 'RS256' },
      {},
      { alg: 'HS256', crit: ['exp'], exp: 1 },
      { alg: 'HS256', b64: false },
      { alg: 'HS256', kid: 'k1' },
      [],
      'HS256',
    ),
  },
)

const time = fc.oneof(
  fc.integer({ min: NOW - 100, max: NOW + 100 }),
  fc.constantFrom(
    NOW - TOLERANCE,
    NOW - TOLERANCE - 1,
    NOW - TOLERANCE + 1,
    NOW + TOLERANCE,
    NOW + TOLERANCE + 1,
  ),
)

const claims = fc.record(
  {
    sub: fc.oneof(
      { weight: 6, arbitrary: fc.constant<unknown>('alice') },
      fc.constant<unknown>(42),
    ),
    name: fc.constant('Alice'),
    rooms: fc.constant(['mailbox/1/*']),
    exp: fc.oneof({ weight: 8, arbitrary: time }, fc.constant<unknown>('soon')),
    nbf: time,
    iat: fc.oneof({ weight: 8, arbitrary: time }, fc.constant<unknown>('now')),
  },
  { requiredKeys: ['name'] },
)

const payload = fc.oneof(
  { weight: 12, arbitrary: claims as fc.Arbitrary<unknown> },
  { weight: 1, arbitrary: fc.constantFrom<unknown>([], 7, 'text', null) },
)

const signature = fc.oneof(
  { weight: 8, arbitrary: fc.constant('good') },
  {
    weight: 3,
    arbitrary: fc.constantFrom('other-key', 'flipped', 'truncated', 'not-base64', 'empty'),
  },
)

function token(h: unknown, p: unknown, how: string, shape: string): string {
  const input = `${b64(h)}.${b64(p)}`
  let sig = sign(input, how === 'other-key' ? OTHER : SECRET)
  if (how === 'flipped') sig = `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`
  if (how === 'truncated') sig = sig.slice(0, -3)
  if (how === 'not-base64') sig = `${sig.slice(0, -2)}*!`
  if (how === 'empty') sig = ''
  if (shape === 'extra-part') return `${input}.${sig}.x`
  if (shape === 'two-parts') return input
  return `${input}.${sig}`
}

async function joseVerdict(jwt: string): Promise<unknown> {
  try {
    const { payload } = await jwtVerify(jwt, new TextEncoder().encode(SECRET), {
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'sub'],
      clockTolerance: TOLERANCE,
      currentDate: new Date(NOW * 1000),
    })
    return payload
  } catch {
    return 'refused'
  }
}

function ourVerdict(jwt: string): unknown {
  try {
    return hs256Verifier(SECRET, TOLERANCE)(jwt, NOW)
  } catch (error) {
    expect((error as { code?: unknown }).code).toMatch(/^ERR_/)
    return 'refused'
  }
}

describe('HS256 verification (hs256.ts) agrees with jose', () => {
  it('accepts and refuses exactly the tokens jose does, with the same payload', async () => {
    await fc.assert(
      fc.asyncProperty(
        header,
        payload,
        signature,
        fc.constantFrom('compact', 'compact', 'compact', 'compact', 'extra-part', 'two-parts'),
        async (h, p, how, shape) => {
          const jwt = token(h, p, how, shape)
          expect(ourVerdict(jwt)).toEqual(await joseVerdict(jwt))
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('agrees at the edges: expiry and not-before at the tolerance, another HMAC algorithm', async () => {
    const cases: [unknown, unknown][] = [
      [{ alg: 'HS256' }, { sub: 'a', exp: NOW - TOLERANCE }],
      [{ alg: 'HS256' }, { sub: 'a', exp: NOW - TOLERANCE + 1 }],
      [{ alg: 'HS256' }, { sub: 'a', exp: NOW + 60, nbf: NOW + TOLERANCE }],
      [{ alg: 'HS256' }, { sub: 'a', exp: NOW + 60, nbf: NOW + TOLERANCE + 1 }],
      [{ alg: 'HS384' }, { sub: 'a', exp: NOW + 60 }],
      [{ alg: 'none' }, { sub: 'a', exp: NOW + 60 }],
      [{ alg: 'HS256' }, { exp: NOW + 60 }],
      [{ alg: 'HS256' }, { sub: 'a' }],
    ]
    const verdicts: string[] = []
    for (const [h, p] of cases) {
      const jwt = token(h, p, 'good', 'compact')
      const ours = ourVerdict(jwt)
      expect(ours).toEqual(await joseVerdict(jwt))
      verdicts.push(ours === 'refused' ? 'refused' : 'accepted')
    }
    expect(verdicts).toEqual([
      'refused',
      'accepted',
      'accepted',
      'refused',
      'refused',
      'refused',
      'refused',
      'refused',
    ])
  })

  it('accepts a valid token (the property is not only refusals)', async () => {
    const jwt = token({ alg: 'HS256' }, { sub: 'alice', exp: NOW + 60 }, 'good', 'compact')
    expect(ourVerdict(jwt)).toEqual({ sub: 'alice', exp: NOW + 60 })
    expect(await joseVerdict(jwt)).toEqual({ sub: 'alice', exp: NOW + 60 })
  })
})
