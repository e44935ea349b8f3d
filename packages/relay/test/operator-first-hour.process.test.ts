/**
 * What a new operator meets in the first hour, through the real relay and its CLI: the token
 * can travel outside the URL (a subprotocol), log lines carry the client address (the proxy's
 * forwarded one only when trusted), start-up warns about likely mistakes and says what to do
 * about failures on stderr, bad keys are named for what they are, and a dropped state is
 * logged at debug with why.
 */
import { generateKeyPairSync } from 'node:crypto'
import { createServer } from 'node:net'
import { CloseCode, SIGHTLINE_SUBPROTOCOL, tokenSubprotocols } from '@sightline/protocol'
import { describe, expect, it, onTestFinished } from 'vitest'
import WebSocket from 'ws'
import { createTokenVerifier, isRelayError } from '../src/index.js'
import { runCli } from './cli-process.js'
import { freePort } from './cluster-fixtures.js'
import {
  join,
  mintToken,
  presence,
  settle,
  startRelay,
  TEST_SECRET,
  uniqueRoom,
} from './fixtures.js'
import { capturedLogger } from './helpers.js'

const runWarn = (env: Record<string, string>) => runCli({ SIGHTLINE_LOG_LEVEL: 'warn', ...env })

function openWith(url: string, protocols?: string[], headers?: Record<string, string>) {
  const ws = new WebSocket(url, protocols, { headers })
  onTestFinished(() => ws.terminate())
  ws.on('error', () => {})
  return new Promise<{ ws: WebSocket; outcome: number | 'open' }>((resolve) => {
    ws.once('message', () => resolve({ ws, outcome: 'open' }))
    ws.once('close', (code) => resolve({ ws, outcome: code }))
  })
}

describe('the token outside the URL', () => {
  it('is taken from the sightline.token.<jwt> subprotocol; the relay answers "sightline"', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const token = await mintToken({ sub: 'alice' })
    const { ws, outcome } = await openWith(`${relay.url}/${room}`, tokenSubprotocols(token))
    expect(outcome).toBe('open')
    expect(ws.protocol).toBe(SIGHTLINE_SUBPROTOCOL)
    const bad = await openWith(`${relay.url}/${room}`, tokenSubprotocols(`${token}x`))
    expect(bad.outcome).toBe(CloseCode.BadToken)
    // The query parameter still works (compatibility).
    const query = await openWith(`${relay.url}/${room}?token=${token}`)
    expect(query.outcome).toBe('open')
  })
})

describe('client addresses in log lines', () => {
  it('logs the socket peer, and the forwarded address and request id only behind a trusted proxy', async () => {
    const headers = { 'x-forwarded-for': '203.0.113.7, 198.51.100.2', 'x-request-id': 'req-42' }
    for (const trustProxy of [false, true]) {
      const { logger, lines } = capturedLogger()
      const relay = await startRelay({ logger, trustProxy })
      await openWith(`${relay.url}/${uniqueRoom()}?token=nope`, undefined, headers)
      await expect.poll(() => lines.find((l) => l.includes('"refused"'))).toBeDefined()
      const refused = JSON.parse(lines.find((l) => l.includes('"refused"'))!)
      if (trustProxy) expect(refused).toMatchObject({ addr: '198.51.100.2', reqId: 'req-42' })
      else {
        expect(refused.addr).toBe('127.0.0.1')
        expect(refused.reqId).toBeUndefined()
      }
      expect(JSON.stringify(lines)).not.toContain('nope')
    }
  })
})

describe('a dropped state', () => {
  it('is logged at debug with why', async () => {
    const { logger, lines } = capturedLogger()
    const relay = await startRelay({ logger })
    const alice = await join(relay, uniqueRoom(), 'alice')
    alice.setState(11, 1, { user: { id: 'alice', name: 'Alice' } })
    await settle(alice)
    const line = lines.find((l) => l.includes('"state dropped"'))
    expect(line).toBeDefined()
    expect(JSON.parse(line!)).toMatchObject({
      clientId: 11,
      why: expect.stringMatching(/presence state/),
    })
    alice.setState(11, 2, presence('alice'))
    await settle(alice)
  })
})

describe('start-up, as an operator meets it', () => {
  it('warns about unknown SIGHTLINE_* variables with the nearest known name', async () => {
    const cli = runWarn({
      SIGHTLINE_JWT_SECRET: TEST_SECRET,
      PORT: '0',
      SIGHTLINE_ALLOWED_ORIGIN: 'https://desk.example.com',
      SIGHTLINE_WHATEVER_THIS_IS: '1',
    })
    await expect
      .poll(() => cli.stderr(), { timeout: 20_000 })
      .toContain('SIGHTLINE_WHATEVER_THIS_IS')
    expect(cli.stderr()).toContain(
      'unknown variable SIGHTLINE_ALLOWED_ORIGIN is ignored (did you mean SIGHTLINE_ALLOWED_ORIGINS?)',
    )
    expect(cli.stderr()).toMatch(/unknown variable SIGHTLINE_WHATEVER_THIS_IS is ignored\n/)
  }, 30_000)

  it('warns when listening beyond loopback with no origin allowlist and /metrics on PORT', async () => {
    const cli = runWarn({ SIGHTLINE_JWT_SECRET: TEST_SECRET, PORT: '0', HOST: '0.0.0.0' })
    await expect.poll(() => cli.stderr(), { timeout: 20_000 }).toContain('SIGHTLINE_METRICS_PORT')
    expect(cli.stderr()).toContain('SIGHTLINE_ALLOWED_ORIGINS is unset')
  }, 30_000)

  it.each([
    ['PORT', (port: number) => ({ PORT: String(port) })],
    [
      'SIGHTLINE_METRICS_PORT',
      (port: number) => ({ PORT: '0', SIGHTLINE_METRICS_PORT: String(port) }),
    ],
  ])(
    'names %s in one stderr line when the port is in use',
    async (setting, env) => {
      const blocker = createServer()
      const port = await freePort()
      await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve))
      onTestFinished(() => new Promise<void>((resolve) => blocker.close(() => resolve())))
      const cli = runWarn({ SIGHTLINE_JWT_SECRET: TEST_SECRET, ...env(port) })
      expect(await cli.exited).toBe(1)
      const lines = cli.stderr().trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toBe(
        `sightline-relay: ${setting} ${port}: 127.0.0.1:${port} is already in use; stop the other process or set ${setting}`,
      )
    },
    30_000,
  )

  it('says a weak secret on stderr and exits 2', async () => {
    const cli = runWarn({ SIGHTLINE_JWT_SECRET: 'short', PORT: '0' })
    expect(await cli.exited).toBe(2)
    expect(cli.stderr()).toMatch(/^sightline-relay: .*SIGHTLINE_JWT_SECRET.*at least 32 bytes/m)
    expect(cli.stdout()).not.toContain('relay listening')
  }, 30_000)
})

describe('bad keys are named for what they are', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  it.each([
    [
      'a private key',
      privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      /PRIVATE key/,
    ],
    ['a PEM with literal \\n', publicPem.replaceAll('\n', '\\n'), /literal \\n/],
    ['a file path', '/etc/sightline/public.pem', /looks like a file path/],
    ['a private JWK', JSON.stringify(privateKey.export({ format: 'jwk' })), /private JWK/],
    [
      'a certificate',
      '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      /certificate/,
    ],
  ])('%s', async (_, key, message) => {
    const error = await createTokenVerifier({ jwtPublicKey: key, clockToleranceSec: 5 }).catch(
      (e: unknown) => e,
    )
    expect(isRelayError(error, 'config')).toBe(true)
    expect((error as Error).message).toMatch(/SIGHTLINE_JWT_PUBLIC_KEY/)
    expect((error as Error).message).toMatch(message)
  })

  it('still takes the public key itself', async () => {
    const verifier = await createTokenVerifier({ jwtPublicKey: publicPem, clockToleranceSec: 5 })
    expect(verifier.algorithm).toBe('EdDSA')
  })
})
