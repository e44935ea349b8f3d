import { generateKeyPairSync } from 'node:crypto'
import { SignJWT } from 'jose'
import { describe, expect, it, vi } from 'vitest'
import { VerifiedTokens } from '../src/access/tokens.js'
import { createTokenVerifier, isRelayError } from '../src/index.js'
import { mintToken, TEST_SECRET } from './fixtures.js'

const claims = { name: 'Alice', rooms: ['mailbox/1/*'] }

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    expect(isRelayError(error, 'bad_token')).toBe(true)
    return (error as Error).message
  }
  throw new Error('expected the token to be rejected')
}

describe('HS256 tokens', () => {
  it('returns the claims of a valid token', async () => {
    const verifier = await createTokenVerifier({ jwtSecret: TEST_SECRET, clockToleranceSec: 5 })
    const token = await mintToken({
      sub: 'alice',
      avatar: 'https://x.test/a.png',
      rooms: ['mailbox/1/*'],
    })
    await expect(verifier.verify(token)).resolves.toMatchObject({
      sub: 'alice',
      name: 'Alice',
      avatar: 'https://x.test/a.png',
      rooms: ['mailbox/1/*'],
    })
  })

  it('tolerates a token expired within the clock tolerance, not beyond', async () => {
    const verifier = await createTokenVerifier({ jwtSecret: TEST_SECRET, clockToleranceSec: 30 })
    await expect(
      verifier.verify(await mintToken({ sub: 'alice', expiresIn: -10 })),
    ).resolves.toBeTruthy()
    expect(
      await rejection(verifier.verify(await mintToken({ sub: 'alice', expiresIn: -60 }))),
    ).toContain('ERR_JWT_EXPIRED')
  })

  it('rejects claims of the wrong shape', async () => {
    const verifier = await createTokenVerifier({ jwtSecret: TEST_SECRET, clockToleranceSec: 5 })
    const sign = (payload: Record<string, unknown>) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('alice')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(TEST_SECRET))
    expect(await rejection(verifier.verify(await sign({ rooms: ['*'] })))).toContain('name')
    expect(
      await rejection(verifier.verify(await sign({ name: 'A', rooms: 'mailbox/1' }))),
    ).toContain('rooms')
    expect(
      await rejection(verifier.verify(await sign({ name: 'A', rooms: [], avatar: 3 }))),
    ).toContain('avatar')
  })
})

describe('public-key tokens', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()

  it('accepts EdDSA tokens signed by the matching private key', async () => {
    const verifier = await createTokenVerifier({ jwtPublicKey: pem, clockToleranceSec: 5 })
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA' })
      .setSubject('alice')
      .setExpirationTime('1h')
      .sign(privateKey)
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'alice' })
  })

  it('never takes the algorithm from the token (HS256 signed with the public key, alg none)', async () => {
    const verifier = await createTokenVerifier({ jwtPublicKey: pem, clockToleranceSec: 5 })
    const confused = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(pem))
    expect(await rejection(verifier.verify(confused))).toContain('ERR_JOSE_ALG_NOT_ALLOWED')
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: 'alice', ...claims, exp: 9e9 }),
    ).toString('base64url')}.`
    await rejection(verifier.verify(none))
  })

  it('rejects a token signed by another key', async () => {
    const verifier = await createTokenVerifier({ jwtPublicKey: pem, clockToleranceSec: 5 })
    const other = generateKeyPairSync('ed25519').privateKey
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA' })
      .setSubject('alice')
      .setExpirationTime('1h')
      .sign(other)
    expect(await rejection(verifier.verify(token))).toContain(
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    )
  })
})

describe('verified tokens remembered until they expire', () => {
  it('answers the same token again from memory, and verifies it again once expired', async () => {
    const verifier = await createTokenVerifier({ jwtSecret: TEST_SECRET, clockToleranceSec: 0 })
    const token = await mintToken({ sub: 'alice', expiresIn: 2 })
    const first = await verifier.verify(token)
    // The same frozen claims: no second signature check.
    expect(await verifier.verify(token)).toBe(first)
    expect(Object.isFrozen(first)).toBe(true)
    vi.useFakeTimers({ toFake: ['Date'], now: (first.exp + 1) * 1000 })
    try {
      expect(await rejection(verifier.verify(token))).toMatch(/EXPIRED/)
    } finally {
      vi.useRealTimers()
    }
  })

  it('never remembers a refused token, and keeps at most its bound (the oldest go first)', async () => {
    const verifier = await createTokenVerifier({ jwtSecret: TEST_SECRET, clockToleranceSec: 0 })
    const forged = `${(await mintToken({ sub: 'alice' })).slice(0, -4)}AAAA`
    await rejection(verifier.verify(forged))
    await rejection(verifier.verify(forged))
    const cache = new VerifiedTokens(2)
    const claimsOf = (sub: string) => ({ sub, name: sub, rooms: [], exp: Date.now() / 1000 + 60 })
    cache.set('a', claimsOf('a'))
    cache.set('b', claimsOf('b'))
    cache.set('c', claimsOf('c'))
    expect(cache.size).toBe(2)
    expect(cache.get('a')).toBeUndefined()
    expect(cache.get('c')?.sub).toBe('c')
    expect(VerifiedTokens.digest('x.y.z')).not.toContain('x.y.z')
  })
})
