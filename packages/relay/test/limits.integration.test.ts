/**
 * The limits one by one: the token bucket and origin check in-process, capacity limits on a
 * real relay, their environment variables, and logs that never carry a token.
 */
import { CloseCode, PresenceLimits } from '@sightline/protocol'
import { describe, expect, it, onTestFinished } from 'vitest'
import WebSocket from 'ws'
import { createOriginCheck } from '../src/access/origin.js'
import { TokenBucket } from '../src/core/rate-limit.js'
import { DEFAULT_OPTIONS, isRelayError, parseRelayEnv } from '../src/index.js'
import { connect, join, mintToken, presence, settle, startRelay, uniqueRoom } from './fixtures.js'
import { bystanders, capturedLogger } from './helpers.js'

describe('TokenBucket', () => {
  it('allows the burst at once, then the rate', () => {
    const bucket = new TokenBucket(10, 5, 0)
    for (let i = 0; i < 5; i++) expect(bucket.take(0)).toBe(true)
    expect(bucket.take(0)).toBe(false)
    expect(bucket.take(99)).toBe(false) // 0.99 of a token refilled
    expect(bucket.take(101)).toBe(true)
    // A long quiet spell refills up to the burst, not beyond.
    for (let i = 0; i < 5; i++) expect(bucket.take(60_000)).toBe(true)
    expect(bucket.take(60_000)).toBe(false)
  })
})

describe('origin check', () => {
  it('lets any origin in when no list is set', () => {
    const check = createOriginCheck({ requireOrigin: false })
    expect(check('https://anything.test')).toBe(true)
    expect(check(undefined)).toBe(true)
    expect(createOriginCheck({ requireOrigin: true })(undefined)).toBe(false)
  })

  it('compares normalised origins and lets non-browser clients in unless required', () => {
    const check = createOriginCheck({
      allowedOrigins: ['https://Desk.Example.com:443', 'http://localhost:5173'],
      requireOrigin: false,
    })
    expect(check('https://desk.example.com')).toBe(true)
    expect(check('http://localhost:5173')).toBe(true)
    expect(check('http://localhost:5174')).toBe(false)
    expect(check('https://desk.example.com.evil.test')).toBe(false)
    expect(check('null')).toBe(false)
    expect(check(undefined)).toBe(true)
    const strict = createOriginCheck({ allowedOrigins: ['https://a.test'], requireOrigin: true })
    expect(strict(undefined)).toBe(false)
  })
})

describe('capacity', () => {
  it('closes the connection past maxConnectionsPerRoom with 1013', async () => {
    const relay = await startRelay({ maxConnectionsPerRoom: 3 })
    const room = uniqueRoom()
    await join(relay, room, 'alice')
    await join(relay, room, 'bob')
    await join(relay, room, 'carol')
    const dave = await join(relay, room, 'dave')
    expect(await dave.closed()).toBe(CloseCode.TryAgainLater)
    expect(dave.frames).toHaveLength(0)
    expect((await join(relay, uniqueRoom(), 'dave')).closeCode).toBeUndefined()
  })

  it('closes a connection that would open a room past maxRooms with 1013', async () => {
    const relay = await startRelay({ maxRooms: 2 })
    const first = uniqueRoom()
    await join(relay, first, 'alice')
    await join(relay, uniqueRoom(), 'bob')
    const third = await join(relay, uniqueRoom(), 'carol')
    expect(await third.closed()).toBe(CloseCode.TryAgainLater)
    // An existing room still takes newcomers.
    expect((await join(relay, first, 'carol')).closeCode).toBeUndefined()
  })

  it('closes the connection past maxConnections with 1013', async () => {
    const relay = await startRelay({ maxConnections: 2 })
    await join(relay, uniqueRoom(), 'alice')
    const bob = await join(relay, uniqueRoom(), 'bob')
    const carol = await join(relay, uniqueRoom(), 'carol')
    expect(await carol.closed()).toBe(CloseCode.TryAgainLater)
    await bob.close()
    await expect.poll(() => relay.stats().connections).toBe(1)
    expect((await join(relay, uniqueRoom(), 'carol')).closeCode).toBeUndefined()
  })

  it('closes the connection past maxConnectionsPerSubject with 4429, counted across rooms', async () => {
    const relay = await startRelay({ maxConnectionsPerSubject: 2 })
    const b = await bystanders(relay, uniqueRoom())
    const first = await join(relay, uniqueRoom(), 'mallory')
    await join(relay, uniqueRoom(), 'mallory')
    const third = await join(relay, uniqueRoom(), 'mallory')
    expect(await third.closed()).toBe(CloseCode.RateLimited)
    await first.close()
    await expect.poll(() => relay.stats().connections).toBe(5)
    expect((await join(relay, uniqueRoom(), 'mallory')).closeCode).toBeUndefined()
    await b.stillServed()
  })
})

describe('environment', () => {
  it('reads every limit variable', () => {
    const { options } = parseRelayEnv({
      SIGHTLINE_JWT_SECRET: 'x'.repeat(32),
      SIGHTLINE_MAX_FRAME_BYTES: '2048',
      SIGHTLINE_MAX_STATE_BYTES: '1024',
      SIGHTLINE_MESSAGES_PER_SECOND: '5',
      SIGHTLINE_MESSAGE_BURST: '10',
      SIGHTLINE_BYTES_PER_SECOND: '4096',
      SIGHTLINE_MAX_CONNECTIONS_PER_ROOM: '7',
      SIGHTLINE_MAX_ROOMS: '8',
      SIGHTLINE_MAX_CONNECTIONS: '9',
      SIGHTLINE_MAX_CONNECTIONS_PER_SUBJECT: '3',
      SIGHTLINE_HANDSHAKE_TIMEOUT_MS: '2500',
      SIGHTLINE_MAX_PENDING_UPGRADES: '40',
      SIGHTLINE_JWT_MAX_LIFETIME_SEC: '3600',
      SIGHTLINE_MAX_CLIENT_IDS_PER_CONNECTION: '2',
      SIGHTLINE_MAX_SEND_BUFFER_BYTES: '65536',
      SIGHTLINE_ALLOWED_ORIGINS: 'https://desk.example.com, http://localhost:5173',
      SIGHTLINE_REQUIRE_ORIGIN: 'true',
    })
    expect(options).toMatchObject({
      maxFrameBytes: 2048,
      maxStateBytes: 1024,
      messagesPerSecond: 5,
      messageBurst: 10,
      bytesPerSecond: 4096,
      maxConnectionsPerRoom: 7,
      maxRooms: 8,
      maxConnections: 9,
      maxConnectionsPerSubject: 3,
      handshakeTimeoutMs: 2500,
      maxPendingUpgrades: 40,
      maxTokenLifetimeSec: 3600,
      maxClientIdsPerConnection: 2,
      maxSendBufferBytes: 65_536,
      allowedOrigins: ['https://desk.example.com', 'http://localhost:5173'],
      requireOrigin: true,
    })
  })

  it('keeps the documented defaults when unset', () => {
    const { options } = parseRelayEnv({ SIGHTLINE_JWT_SECRET: 'x'.repeat(32) })
    expect(options).toMatchObject({
      maxFrameBytes: 65_536,
      maxStateBytes: 2048,
      subjectBytesPerSecond: 4096,
      quietAfterMs: 10_000,
      messagesPerSecond: 100,
      messageBurst: 200,
      bytesPerSecond: 65_536,
      maxConnectionsPerRoom: 200,
      maxRooms: 10_000,
      maxConnections: 20_000,
      maxConnectionsPerSubject: 50,
      handshakeTimeoutMs: 10_000,
      maxPendingUpgrades: 10_000,
      maxTokenLifetimeSec: 86_400,
      maxClientIdsPerConnection: 4,
      maxSendBufferBytes: 1_048_576,
      requireOrigin: false,
    })
    expect(options.allowedOrigins).toBeUndefined()
    expect(DEFAULT_OPTIONS.maxStateBytes).toBe(2048)
  })

  it('the default state size limit fits a state at every claim length limit', () => {
    // The worst a valid token can carry: id and name of 4-byte characters, the longest avatar.
    const wide = '\u{1F600}'
    const state = {
      user: {
        id: wide.repeat(PresenceLimits.idLength / 2),
        name: wide.repeat(PresenceLimits.nameLength / 2),
        avatar: `https://a.example/${'x'.repeat(PresenceLimits.avatarLength - 18)}`,
      },
      activity: 'replying',
      away: false,
      since: Date.now(),
    }
    expect(state.user.avatar.length).toBe(PresenceLimits.avatarLength)
    expect(Buffer.byteLength(JSON.stringify(state))).toBeLessThanOrEqual(
      DEFAULT_OPTIONS.maxStateBytes,
    )
  })

  it.each([
    ['SIGHTLINE_MAX_STATE_BYTES', '12'],
    ['SIGHTLINE_MESSAGES_PER_SECOND', 'fast'],
    ['SIGHTLINE_MESSAGE_BURST', '0'],
    ['SIGHTLINE_BYTES_PER_SECOND', '100'],
    ['SIGHTLINE_MAX_CONNECTIONS_PER_ROOM', '-3'],
    ['SIGHTLINE_MAX_ROOMS', '1.5'],
    ['SIGHTLINE_MAX_CONNECTIONS', 'many'],
    ['SIGHTLINE_MAX_CONNECTIONS_PER_SUBJECT', '0'],
    ['SIGHTLINE_HANDSHAKE_TIMEOUT_MS', '5'],
    ['SIGHTLINE_MAX_PENDING_UPGRADES', '0'],
    ['SIGHTLINE_JWT_MAX_LIFETIME_SEC', '10'],
    ['SIGHTLINE_MAX_CLIENT_IDS_PER_CONNECTION', '5000'],
    ['SIGHTLINE_MAX_SEND_BUFFER_BYTES', '1k'],
    ['SIGHTLINE_ALLOWED_ORIGINS', 'desk.example.com'],
    ['SIGHTLINE_ALLOWED_ORIGINS', 'https://desk.example.com/app'],
    ['SIGHTLINE_REQUIRE_ORIGIN', 'maybe'],
  ])('names %s when it is %s', (name, value) => {
    try {
      parseRelayEnv({ SIGHTLINE_JWT_SECRET: 'x'.repeat(32), [name]: value })
    } catch (error) {
      expect(isRelayError(error, 'config')).toBe(true)
      expect((error as Error).message).toContain(`${name} must be`)
      expect((error as Error).message).toContain(value)
      return
    }
    throw new Error('expected parseRelayEnv to throw')
  })
})

describe('logs', () => {
  it('never contain a token or the query string, for accepted and refused connections', async () => {
    const { logger, lines } = capturedLogger()
    const relay = await startRelay({
      logger,
      allowedOrigins: ['https://desk.example.com'],
      messagesPerSecond: 5,
      messageBurst: 5,
    })
    const room = uniqueRoom()
    const tokens: string[] = []
    const track = async (t: Promise<string>) => {
      const token = await t
      tokens.push(token)
      return token
    }
    const alice = await connect(relay, room, await track(mintToken({ sub: 'alice' })))
    alice.setState(1, 1, presence('alice'))
    await settle(alice)
    const refused = [
      await connect(relay, room, await track(mintToken({ sub: 'bob', expiresIn: -60 }))),
      await connect(relay, room, await track(mintToken({ sub: 'bob', secret: 'z'.repeat(40) }))),
      await connect(relay, room, await track(mintToken({ sub: 'bob', rooms: ['mailbox/99'] }))),
      await connect(relay, room, await track(Promise.resolve('not.a.jwt'))),
    ]
    for (const c of refused) expect(await c.closed()).toBeGreaterThanOrEqual(4401)
    const originToken = await track(mintToken({ sub: 'carol' }))
    const foreign = new WebSocket(`${relay.url}/${room}?token=${originToken}`, {
      origin: 'https://evil.test',
    })
    onTestFinished(() => foreign.terminate())
    expect(await new Promise((r) => foreign.on('close', r))).toBe(CloseCode.Forbidden)
    const flooder = await connect(relay, room, await track(mintToken({ sub: 'dave' })))
    for (let i = 0; i < 20; i++) flooder.heartbeat()
    expect(await flooder.closed()).toBe(CloseCode.RateLimited)
    await alice.close()
    await expect.poll(() => lines.some((l) => l.includes('"reason":"rate_limited"'))).toBe(true)
    expect(lines.some((l) => l.includes('"reason":"origin"'))).toBe(true)
    expect(lines.some((l) => l.includes('"reason":"bad_token"'))).toBe(true)
    expect(lines.some((l) => l.includes('connected'))).toBe(true)
    const text = lines.join('\n')
    expect(text).not.toContain('token=')
    expect(text).not.toContain('?')
    for (const token of tokens) {
      for (const part of token.split('.').filter((p) => p.length > 8)) {
        expect(text).not.toContain(part)
      }
    }
  })
})
