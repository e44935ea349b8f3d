import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  createRelay,
  createTokenVerifier,
  DEFAULT_OPTIONS,
  isRelayError,
  parseRelayEnv,
} from '../src/index.js'

const SECRET = { SIGHTLINE_JWT_SECRET: 'x'.repeat(32) }

function errorOf(env: Record<string, string>): string {
  try {
    parseRelayEnv(env)
  } catch (error) {
    expect(isRelayError(error, 'config')).toBe(true)
    return (error as Error).message
  }
  throw new Error('expected parseRelayEnv to throw')
}

describe('parseRelayEnv', () => {
  it('reads every variable', () => {
    const { options, logLevel } = parseRelayEnv({
      HOST: '0.0.0.0',
      PORT: '8080',
      SIGHTLINE_JWT_SECRET: 's3cret-s3cret-s3cret-s3cret-s3cret',
      SIGHTLINE_JWT_CLOCK_TOLERANCE_SEC: '2',
      SIGHTLINE_PING_INTERVAL_MS: '2000',
      SIGHTLINE_LIVENESS_TIMEOUT_MS: '4000',
      SIGHTLINE_REFRESH_INTERVAL_MS: '5000',
      SIGHTLINE_SWEEP_INTERVAL_MS: '500',
      SIGHTLINE_MAX_FRAME_BYTES: '4096',
      SIGHTLINE_LOG_LEVEL: 'debug',
    })
    expect(options).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      jwtSecret: 's3cret-s3cret-s3cret-s3cret-s3cret',
      clockToleranceSec: 2,
      pingIntervalMs: 2000,
      livenessTimeoutMs: 4000,
      refreshIntervalMs: 5000,
      sweepIntervalMs: 500,
      maxFrameBytes: 4096,
    })
    expect(logLevel).toBe('debug')
  })

  it('uses the defaults for unset or empty variables', () => {
    const { options, logLevel } = parseRelayEnv({
      ...SECRET,
      PORT: '',
      SIGHTLINE_PING_INTERVAL_MS: '',
    })
    expect(options).toMatchObject({ ...DEFAULT_OPTIONS, jwtSecret: SECRET.SIGHTLINE_JWT_SECRET })
    expect(logLevel).toBe('info')
  })

  it.each([
    ['PORT', '70000', 'PORT must be an integer port number between 0 and 65535, got "70000"'],
    ['PORT', 'http', 'PORT must be an integer'],
    [
      'SIGHTLINE_PING_INTERVAL_MS',
      'abc',
      'SIGHTLINE_PING_INTERVAL_MS must be an integer number of milliseconds >= 100, got "abc"',
    ],
    ['SIGHTLINE_PING_INTERVAL_MS', '1.5', 'SIGHTLINE_PING_INTERVAL_MS must be an integer'],
    ['SIGHTLINE_LIVENESS_TIMEOUT_MS', '-1', 'SIGHTLINE_LIVENESS_TIMEOUT_MS must be an integer'],
    ['SIGHTLINE_REFRESH_INTERVAL_MS', '40000', 'SIGHTLINE_REFRESH_INTERVAL_MS must be an integer'],
    ['SIGHTLINE_SWEEP_INTERVAL_MS', '0', 'SIGHTLINE_SWEEP_INTERVAL_MS must be an integer'],
    [
      'SIGHTLINE_MAX_FRAME_BYTES',
      '10',
      'SIGHTLINE_MAX_FRAME_BYTES must be an integer number of bytes',
    ],
    [
      'SIGHTLINE_JWT_CLOCK_TOLERANCE_SEC',
      'x',
      'SIGHTLINE_JWT_CLOCK_TOLERANCE_SEC must be an integer',
    ],
    [
      'SIGHTLINE_JWT_ALGORITHM',
      'HS512',
      'SIGHTLINE_JWT_ALGORITHM must be one of EdDSA, ES256, RS256',
    ],
    ['SIGHTLINE_LOG_LEVEL', 'loud', 'SIGHTLINE_LOG_LEVEL must be one of fatal, error, warn'],
  ])('names %s when it is %s', (name, value, message) => {
    expect(errorOf({ ...SECRET, [name]: value })).toContain(message)
  })

  it('refuses to start without a token key, or with two', () => {
    expect(errorOf({})).toContain('SIGHTLINE_JWT_SECRET')
    expect(errorOf({})).toContain('SIGHTLINE_JWT_PUBLIC_KEY')
    expect(
      errorOf({ ...SECRET, SIGHTLINE_JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----' }),
    ).toContain('only one of')
  })

  it('refuses intervals that cannot keep the liveness bound', () => {
    const message = errorOf({ ...SECRET, SIGHTLINE_PING_INTERVAL_MS: '9500' })
    expect(message).toContain(
      'SIGHTLINE_LIVENESS_TIMEOUT_MS (10000) must exceed SIGHTLINE_PING_INTERVAL_MS',
    )
  })

  it('lists every invalid variable at once', () => {
    const message = errorOf({ ...SECRET, PORT: 'x', SIGHTLINE_PING_INTERVAL_MS: 'y' })
    expect(message).toContain('PORT')
    expect(message).toContain('SIGHTLINE_PING_INTERVAL_MS')
  })
})

describe('public keys', () => {
  it.each([
    ['ed25519', 'EdDSA'],
    ['ec', 'ES256'],
    ['rsa', 'RS256'],
  ] as const)('infers the algorithm of a %s PEM key', async (type, algorithm) => {
    const { publicKey } =
      type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : type === 'rsa'
          ? generateKeyPairSync('rsa', { modulusLength: 2048 })
          : generateKeyPairSync('ed25519')
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
    const { options } = parseRelayEnv({ SIGHTLINE_JWT_PUBLIC_KEY: pem })
    const relay = await createRelay({ ...options, port: 0 })
    await relay.close()
    const jwk = JSON.stringify(publicKey.export({ format: 'jwk' }))
    expect((await createTokenVerifier({ jwtPublicKey: jwk, clockToleranceSec: 0 })).algorithm).toBe(
      algorithm,
    )
    expect((await createTokenVerifier({ jwtPublicKey: pem, clockToleranceSec: 0 })).algorithm).toBe(
      algorithm,
    )
  })

  it('refuses a key that does not fit the configured algorithm or is not a key', async () => {
    const { publicKey } = generateKeyPairSync('ed25519')
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
    await expect(
      createRelay({ port: 0, jwtPublicKey: pem, jwtAlgorithm: 'RS256' }),
    ).rejects.toThrow(
      /SIGHTLINE_JWT_ALGORITHM is RS256 but SIGHTLINE_JWT_PUBLIC_KEY \(key type Ed25519\) is for EdDSA/,
    )
    await expect(createRelay({ port: 0, jwtPublicKey: 'nope' })).rejects.toThrow(/not a usable PEM/)
  })
})
