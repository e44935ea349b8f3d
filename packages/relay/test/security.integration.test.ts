import { randomBytes } from 'node:crypto'
import { request } from 'node:http'
import type { Socket } from 'node:net'
import { CloseCode, encodeAwarenessFrame } from '@sightline/protocol'
import { SignJWT } from 'jose'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { RelayHandle } from '../src/index.js'
import {
  connect,
  join,
  mintToken,
  presence,
  settle,
  startRelay,
  TRANSPORT,
  uniqueRoom,
} from './fixtures.js'

/**
 * Sends an upgrade request for `target` exactly as given and returns the close code of the
 * first frame the relay sends (the relay closes refused sockets right after the upgrade).
 */
async function rawUpgradeCloseCode(relay: RelayHandle, target: string): Promise<number> {
  const req = request({
    host: '127.0.0.1',
    port: relay.port,
    path: target,
    headers: {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': randomBytes(16).toString('base64'),
    },
  })
  const socket = await new Promise<Socket>((resolve, reject) => {
    req.on('upgrade', (_res, s: Socket, head: Buffer) => {
      if (head.length > 0) s.unshift(head)
      resolve(s)
    })
    req.on('response', (res) => reject(new Error(`HTTP ${res.statusCode}`)))
    req.on('error', reject)
    req.end()
  })
  onTestFinished(() => void socket.destroy())
  const frame = await new Promise<Buffer>((resolve) => {
    let data = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk])
      if (data.length >= 4) resolve(data)
    })
  })
  expect(frame[0]).toBe(0x88) // FIN + close
  return frame.readUInt16BE(2)
}

describe('admission', () => {
  it('refuses a bad token with 4401 after the upgrade', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const wrongKey = await mintToken({ sub: 'alice', secret: 'another-secret-another-secret-xx' })
    const expired = await mintToken({ sub: 'alice', expiresIn: -60 })
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: 'alice', name: 'Alice', rooms: ['*'], exp: 9e9 }),
    ).toString('base64url')}.`
    const noExp = await new SignJWT({ name: 'Alice', rooms: ['*'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .sign(new TextEncoder().encode('sightline-test-secret-0123456789abcdef'))
    for (const token of [wrongKey, expired, unsigned, noExp, 'garbage']) {
      const client = await connect(relay, room, token)
      expect(await client.closed()).toBe(CloseCode.BadToken)
      expect(client.frames).toHaveLength(0)
    }
    const missing = await connect(relay, room, '')
    expect(await missing.closed()).toBe(CloseCode.BadToken)
    expect(relay.stats()).toEqual({ rooms: 0, connections: 0 })
  })

  it('refuses a room outside the grants with 4403 and sends nothing from it', async () => {
    const relay = await startRelay()
    const room = 'mailbox/30/conversation/1'
    const alice = await join(relay, room, 'alice')
    alice.setState(11, 1, presence('alice'))
    await settle(alice)
    const mallory = await join(relay, room, 'mallory', { rooms: ['mailbox/3/*'] })
    expect(await mallory.closed()).toBe(CloseCode.Forbidden)
    expect(mallory.frames).toHaveLength(0)
  })

  it('refuses an invalid room name with 4404', async () => {
    const relay = await startRelay()
    const token = await mintToken({ sub: 'alice' })
    // Sent raw: a WHATWG URL would normalise dot segments away before they reach the relay.
    for (const room of ['mailbox//1', 'mailbox/../x', 'mailbox/./1', 'a%2Fb', 'x'.repeat(65), '']) {
      expect(await rawUpgradeCloseCode(relay, `/${room}?token=${token}`)).toBe(CloseCode.BadRoom)
    }
  })

  it('serves /healthz and 404 elsewhere', async () => {
    const relay = await startRelay()
    const health = await fetch(`${relay.httpUrl}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.text()).toBe('ok')
    expect((await fetch(`${relay.httpUrl}/mailbox/1`)).status).toBe(404)
  })
})

describe('identity', () => {
  it('closes with 1008 on a state naming another user and forwards nothing', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const mallory = await join(relay, room, 'mallory')
    const bob = await join(relay, room, 'bob')
    mallory.setState(66, 1, presence('alice'))
    expect(await mallory.closed()).toBe(CloseCode.PolicyViolation)
    await settle(bob)
    expect(bob.stateFrames()).toHaveLength(0)
  })

  it('closes with 1008 on an incomplete state that names another user', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const m1 = await join(relay, room, 'mallory')
    m1.setState(1, 1, { user: { id: 'alice' } })
    expect(await m1.closed()).toBe(CloseCode.PolicyViolation)
    const m2 = await join(relay, room, 'mallory')
    m2.setState(1, 1, { user: 'alice' })
    expect(await m2.closed()).toBe(CloseCode.PolicyViolation)
  })

  it('closes with 1008 on a forged name or avatar', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const m1 = await join(relay, room, 'mallory')
    m1.setState(1, 1, { ...presence('mallory'), user: { id: 'mallory', name: 'Alice' } })
    expect(await m1.closed()).toBe(CloseCode.PolicyViolation)
    const m2 = await join(relay, room, 'mallory', { avatar: 'https://x.test/m.png' })
    m2.setState(2, 1, {
      ...presence('mallory'),
      user: { id: 'mallory', name: 'Mallory', avatar: 'https://x.test/a.png' },
    })
    expect(await m2.closed()).toBe(CloseCode.PolicyViolation)
  })

  it('refuses a state under another agent client ID (4409) and drops removals of it until 1008', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    const mallory = await join(relay, room, 'mallory')
    alice.setState(11, 1, presence('alice'))
    await expect.poll(() => bob.live().has(11)).toBe(true)
    const clock = bob.states.get(11)!.clock
    // Remove Alice's client ID (with a higher clock, so it is no echo): dropped.
    mallory.setState(11, clock + 101, null)
    await settle(mallory)
    await settle(bob)
    expect(bob.live().get(11)?.user.id).toBe('alice')
    expect(mallory.closeCode).toBeUndefined()
    for (let i = 0; i < 10; i++) mallory.setState(11, clock + 200 + i, null)
    expect(await mallory.closed()).toBe(CloseCode.PolicyViolation)
    // Overwrite it: refused at once, nothing forwarded.
    const squatter = await join(relay, room, 'mallory')
    squatter.setState(11, clock + 300, presence('mallory'))
    expect(await squatter.closed()).toBe(CloseCode.ClientIdTaken)
    await settle(bob)
    expect(bob.live().get(11)?.user.id).toBe('alice')
  })

  it('lets a reconnecting tab of the same agent take its client ID over', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const old = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    old.setState(11, 1, presence('alice'))
    await expect.poll(() => bob.live().has(11)).toBe(true)
    const fresh = await join(relay, room, 'alice')
    fresh.setState(11, 2, presence('alice', { activity: 'replying' }))
    await expect.poll(() => bob.live().get(11)?.activity).toBe('replying')
    // The old socket going away no longer removes the state the new one owns.
    await old.close()
    await expect.poll(() => relay.stats().connections).toBe(2)
    await settle(bob)
    expect(bob.live().get(11)?.activity).toBe('replying')
  })
})

describe('malformed frames', () => {
  const cases: [string, Uint8Array][] = [
    ['unknown type', Uint8Array.of(9, 0)],
    ['bad varint', Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)],
    ['truncated awareness', Uint8Array.of(1, 10, 1, 5)],
    ['trailing bytes', Uint8Array.of(3, 0)],
    ['empty frame', new Uint8Array(0)],
    ['invalid JSON', encodeAwarenessFrame([{ clientId: 5, clock: 1, json: '{nope' }])],
    ['unknown sync step', Uint8Array.of(0, 7, 0)],
    ['bad state vector', Uint8Array.of(0, 0, 3, 0xff, 0xff, 0xff)],
    ['unknown signal kind', Uint8Array.of(100, 9)],
  ]

  it.each(cases)(
    'closes with 4400 on %s, leaving the room and other rooms unaffected',
    async (_, bytes) => {
      const relay = await startRelay()
      const room = uniqueRoom()
      const other = uniqueRoom()
      const alice = await join(relay, room, 'alice')
      const carol = await join(relay, other, 'carol')
      const dave = await join(relay, other, 'dave')
      const mallory = await join(relay, room, 'mallory')
      alice.setState(11, 1, presence('alice'))
      carol.setState(31, 1, presence('carol'))
      await expect.poll(() => dave.live().has(31)).toBe(true)
      mallory.send(bytes)
      expect(await mallory.closed()).toBe(CloseCode.BadFrame)
      // The relay still serves both rooms.
      carol.setState(31, 2, presence('carol', { activity: 'replying' }))
      await expect.poll(() => dave.live().get(31)?.activity).toBe('replying')
      await settle(alice)
      expect(relay.stats()).toEqual({ rooms: 2, connections: 3 })
    },
  )

  it('closes with 4400 on a text frame and 4413 on an oversize frame', async () => {
    const relay = await startRelay({ maxFrameBytes: 1024 })
    const room = uniqueRoom()
    const m1 = await join(relay, room, 'mallory')
    m1.ws.send('hello')
    expect(await m1.closed()).toBe(CloseCode.BadFrame)
    const m2 = await join(relay, room, 'mallory')
    m2.send(new Uint8Array(2048))
    expect(await m2.closed()).toBe(CloseCode.TooLarge)
    // Far beyond the limit the socket layer refuses it before buffering it (the hard
    // backstop): `ws` with 1009, uWS by dropping the connection without a close frame (1006).
    const m3 = await join(relay, room, 'mallory')
    m3.send(new Uint8Array(4096))
    expect(await m3.closed()).toBe(TRANSPORT === 'uws' ? 1006 : 1009)
  })
})
