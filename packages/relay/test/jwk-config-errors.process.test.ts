/**
 * Public key settings that fail at start say which variable and what to write instead: a JWK
 * whose quotes a double-quoted `.env` value left escaped, and a key of another algorithm than
 * SIGHTLINE_JWT_ALGORITHM (jose alone says only ERR_JOSE_NOT_SUPPORTED).
 */
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createTokenVerifier, isRelayError } from '../src/index.js'
import { runCli } from './cli-process.js'

const jwk = JSON.stringify(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }))

async function configError(jwtPublicKey: string, jwtAlgorithm?: 'EdDSA' | 'ES256' | 'RS256') {
  const error = await createTokenVerifier({
    jwtPublicKey,
    ...(jwtAlgorithm ? { jwtAlgorithm } : {}),
    clockToleranceSec: 5,
  }).catch((e: unknown) => e)
  expect(isRelayError(error, 'config')).toBe(true)
  return (error as Error).message
}

describe('a JWK with escaped quotes', () => {
  it('names the variable, the escaped quotes and the single-quoted form', async () => {
    const message = await configError(jwk.replaceAll('"', '\\"'))
    expect(message).toMatch(/^SIGHTLINE_JWT_PUBLIC_KEY .*not valid JWK JSON/)
    expect(message).toContain('backslash-escaped quotes')
    expect(message).toContain("in single quotes: SIGHTLINE_JWT_PUBLIC_KEY='{")
  })

  it('other broken JSON still says how to write it', async () => {
    const message = await configError('{"kty":"OKP",')
    expect(message).toMatch(/^SIGHTLINE_JWT_PUBLIC_KEY .*not valid JWK JSON/)
    expect(message).not.toContain('backslash')
    expect(message).toContain('in single quotes')
  })

  it('from a double-quoted .env value: one stderr line, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sightline-jwk-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(
      join(dir, '.env'),
      `PORT=0\nSIGHTLINE_JWT_PUBLIC_KEY="${jwk.replaceAll('"', '\\"')}"\n`,
    )
    const cli = runCli({ SIGHTLINE_LOG_LEVEL: 'warn' }, dir)
    expect(await cli.exited).toBe(2)
    const lines = cli.stderr().trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      /^sightline-relay: SIGHTLINE_JWT_PUBLIC_KEY .*backslash-escaped quotes/,
    )
  }, 30_000)
})

describe('a key of another algorithm than SIGHTLINE_JWT_ALGORITHM', () => {
  it('an Ed25519 JWK with RS256 names both settings and the algorithm the key is for', async () => {
    const message = await configError(jwk, 'RS256')
    expect(message).not.toContain('ERR_JOSE')
    expect(message).toBe(
      'SIGHTLINE_JWT_ALGORITHM is RS256 but SIGHTLINE_JWT_PUBLIC_KEY (key type Ed25519) is for EdDSA; set SIGHTLINE_JWT_ALGORITHM=EdDSA (or leave it unset: the key says), or give the public half of the RS256 key the helpdesk signs with',
    )
  })

  it('a P-256 PEM with EdDSA too', async () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString()
    expect(await configError(pem, 'EdDSA')).toMatch(
      /^SIGHTLINE_JWT_ALGORITHM is EdDSA but SIGHTLINE_JWT_PUBLIC_KEY \(key type EC prime256v1\) is for ES256; set SIGHTLINE_JWT_ALGORITHM=ES256/,
    )
  })

  it('a key no algorithm takes (Ed448) says which keys work', async () => {
    const ed448 = JSON.stringify(generateKeyPairSync('ed448').publicKey.export({ format: 'jwk' }))
    expect(await configError(ed448)).toBe(
      'SIGHTLINE_JWT_PUBLIC_KEY (key type Ed448) is not supported; use an Ed25519 (EdDSA), P-256 (ES256) or RSA (RS256) key',
    )
  })

  it('the matching algorithm is still taken', async () => {
    const verifier = await createTokenVerifier({
      jwtPublicKey: jwk,
      jwtAlgorithm: 'EdDSA',
      clockToleranceSec: 5,
    })
    expect(verifier.algorithm).toBe('EdDSA')
  })
})
