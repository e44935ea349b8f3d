/**
 * Cross-language: tokens minted by the module's PHP (test/mint.php runs the same Grants::claims
 * and Jwt::sign as the token route) are accepted by the real relay over real sockets, identify
 * the agent to the others, grant exactly the user's mailboxes, and are refused when tampered
 * with or expired.
 */
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createPresence,
  type PresenceClient,
  type WebSocketCtor,
} from '../../../packages/presence/src/index.js'
import { createRelay, type RelayHandle } from '../../../packages/relay/src/index.js'

// `ws` is the relay's own dependency; this folder is no workspace package of its own.
const WebSocket = createRequire(
  fileURLToPath(new URL('../../../packages/relay/package.json', import.meta.url)),
)('ws') as typeof import('ws').default

const SECRET = 'sightline-freescout-cross-language-0123456789'
const MINT = fileURLToPath(new URL('./mint.php', import.meta.url))

interface MintInput {
  userId: number
  name: string
  avatar?: string
  mailboxes: number[]
  /** Unix seconds the token is issued at; default now. */
  now?: number
  secret?: string
}

function phpMint(input: MintInput): string {
  const args = JSON.stringify({ secret: SECRET, now: Math.floor(Date.now() / 1000), ...input })
  const result = spawnSync('php', [MINT, args], { encoding: 'utf8' })
  if (result.error) {
    throw new Error(
      `this test needs PHP (php-cli, php-mbstring); spawning php failed: ${result.error.message}`,
    )
  }
  if (result.status !== 0) throw new Error(`php mint.php failed: ${result.stderr}`)
  return result.stdout
}

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function startRelay(): Promise<RelayHandle> {
  const relay = await createRelay({ port: 0, jwtSecret: SECRET })
  cleanups.push(() => relay.close())
  return relay
}

function client(relay: RelayHandle, room: string, token: string): PresenceClient {
  const presence = createPresence({
    url: relay.url,
    room,
    token,
    WebSocket: WebSocket as unknown as WebSocketCtor,
    environment: null,
  })
  cleanups.push(() => presence.destroy())
  return presence
}

/** The close code the relay ends a raw connection with (it must not stay open). */
function closeCode(relay: RelayHandle, room: string, token: string): Promise<number> {
  const ws = new WebSocket(`${relay.url}/${room}?token=${encodeURIComponent(token)}`)
  cleanups.push(() => ws.terminate())
  return new Promise((resolve, reject) => {
    ws.on('close', (code) => resolve(code))
    ws.on('unexpected-response', () => reject(new Error('upgrade refused with HTTP')))
    ws.on('error', () => {})
  })
}

const b64 = (json: unknown) => Buffer.from(JSON.stringify(json)).toString('base64url')
const payloadOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >

describe('tokens minted by the FreeScout module (PHP) on the real relay', () => {
  it('are accepted: two agents see each other by the names and avatars PHP signed', async () => {
    const relay = await startRelay()
    const room = 'mailbox/3/conversation/9'
    const ann = client(
      relay,
      room,
      phpMint({ userId: 7, name: 'Ann Lee', mailboxes: [3, 5], avatar: 'https://h.test/a.png' }),
    )
    const bob = client(relay, room, phpMint({ userId: 8, name: 'Bob Ray', mailboxes: [3] }))

    await expect.poll(() => ann.others.map((v) => v.user)).toEqual([{ id: '8', name: 'Bob Ray' }])
    await expect
      .poll(() => bob.others.map((v) => v.user))
      .toEqual([{ id: '7', name: 'Ann Lee', avatar: 'https://h.test/a.png' }])
    expect(ann.status).toBe('connected')
  })

  it('carry iat and a 40-second lifetime (revocation within a minute)', () => {
    const claims = payloadOf(phpMint({ userId: 7, name: 'Ann', mailboxes: [3] }))
    expect(typeof claims['iat']).toBe('number')
    expect((claims['exp'] as number) - (claims['iat'] as number)).toBe(40)
    expect(claims['rooms']).toEqual(['mailbox/3', 'mailbox/3/*'])
  })

  it('grant exactly the mailboxes given: the list room and conversations of 3, nothing of 4', async () => {
    const relay = await startRelay()
    const token = phpMint({ userId: 7, name: 'Ann', mailboxes: [3] })
    expect(await closeCode(relay, 'mailbox/4/conversation/1', token)).toBe(4403)
    expect(await closeCode(relay, 'mailbox/4', token)).toBe(4403)
    expect(await closeCode(relay, 'mailbox/30/conversation/1', token)).toBe(4403)
    const list = new WebSocket(`${relay.url}/mailbox/3?token=${encodeURIComponent(token)}`)
    cleanups.push(() => list.terminate())
    await new Promise<void>((resolve, reject) => {
      list.on('message', () => resolve())
      list.on('close', (code) => reject(new Error(`list room refused with ${code}`)))
    })
  })

  it('are refused when tampered with: another mailbox in the payload breaks the signature', async () => {
    const relay = await startRelay()
    const [header, payload, signature] = phpMint({ userId: 7, name: 'Ann', mailboxes: [3] }).split(
      '.',
    )
    const claims = payloadOf(`${header}.${payload}.x`)
    const forged = `${header}.${b64({ ...claims, rooms: ['mailbox/4', 'mailbox/4/*'] })}.${signature}`
    expect(await closeCode(relay, 'mailbox/4/conversation/1', forged)).toBe(4401)
    const resigned = phpMint({ userId: 7, name: 'Ann', mailboxes: [3], secret: `${SECRET}-other` })
    expect(await closeCode(relay, 'mailbox/3/conversation/1', resigned)).toBe(4401)
  })

  it('are refused once expired', async () => {
    const relay = await startRelay()
    const hourAgo = Math.floor(Date.now() / 1000) - 3600
    const expired = phpMint({ userId: 7, name: 'Ann', mailboxes: [3], now: hourAgo })
    expect(await closeCode(relay, 'mailbox/3/conversation/1', expired)).toBe(4401)
  })
})
