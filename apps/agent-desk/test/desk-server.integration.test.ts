import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { conversationRoom, mailboxRoom, roomGranted } from '@sightline/protocol'
import { createTokenVerifier } from '@sightline/relay'
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest'
import { demoAgents } from '../server/demo-data.js'
import { createDeskServer } from '../server/index.js'
import { createTokenIssuer } from '../server/tokens.js'

const secret = 'desk-server-test-secret-0123456789'
let staticDir: string

beforeEach(async () => {
  staticDir = await mkdtemp(join(tmpdir(), 'agent-desk-'))
  await mkdir(join(staticDir, 'assets'))
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>desk</title>')
  await writeFile(join(staticDir, 'assets', 'app-123.js'), 'console.log(1)')
})

afterEach(async () => {
  await rm(staticDir, { recursive: true, force: true })
})

async function startDesk() {
  const desk = await createDeskServer({
    port: 0,
    secret,
    staticDir,
    relayUrl: 'ws://127.0.0.1:1',
  })
  onTestFinished(() => desk.close())
  const api = (path: string, init: RequestInit & { token?: string } = {}) => {
    const headers = new Headers(init.headers)
    if (init.token) headers.set('authorization', `Bearer ${init.token}`)
    return fetch(`${desk.url}${path}`, { ...init, headers })
  }
  const signIn = async (agentId: string) => {
    const res = await api('/api/session', { method: 'POST', body: JSON.stringify({ agentId }) })
    expect(res.status).toBe(200)
    return (await res.json()) as {
      token: string
      user: { id: string; name: string }
      relayUrl: string
      mailboxes: { id: string; name: string }[]
    }
  }
  return { desk, api, signIn }
}

describe('tokens', () => {
  it('mints tokens the relay accepts, granting exactly the agent mailboxes', async () => {
    const { signIn } = await startDesk()
    const session = await signIn('erin')
    expect(session.user).toEqual({ id: 'erin', name: 'Erin Walsh' })
    expect(session.mailboxes.map((m) => m.id)).toEqual(['1'])
    expect(session.relayUrl).toBe('ws://127.0.0.1:1')

    const verifier = await createTokenVerifier({ jwtSecret: secret, clockToleranceSec: 0 })
    const claims = await verifier.verify(session.token)
    expect(claims.sub).toBe('erin')
    expect(claims.name).toBe('Erin Walsh')
    const lifetime = claims.exp - Date.now() / 1000
    expect(lifetime).toBeGreaterThan(14 * 60)
    expect(lifetime).toBeLessThanOrEqual(15 * 60)
    expect(roomGranted(claims.rooms, conversationRoom(1, 101))).toBe(true)
    expect(roomGranted(claims.rooms, mailboxRoom(1))).toBe(true)
    expect(roomGranted(claims.rooms, conversationRoom(2, 201))).toBe(false)
    expect(roomGranted(claims.rooms, mailboxRoom(2))).toBe(false)
  })

  it('refreshes a token that expired a moment ago, and rejects one it did not sign', async () => {
    const { api } = await startDesk()
    const expired = await createTokenIssuer({ secret, ttlSec: -60 }).mint(demoAgents[1]!)
    const res = await api('/api/token', { method: 'POST', token: expired })
    expect(res.status).toBe(200)
    const { token } = (await res.json()) as { token: string }
    const verifier = await createTokenVerifier({ jwtSecret: secret, clockToleranceSec: 0 })
    expect((await verifier.verify(token)).sub).toBe('bob')

    const forged = await createTokenIssuer({ secret: `${secret}-other` }).mint(demoAgents[1]!)
    expect((await api('/api/token', { method: 'POST', token: forged })).status).toBe(401)
    expect((await api('/api/token', { method: 'POST' })).status).toBe(401)
  })

  it('refuses unknown agents', async () => {
    const { api } = await startDesk()
    const res = await api('/api/session', { method: 'POST', body: '{"agentId":"mallory"}' })
    expect(res.status).toBe(404)
  })
})

describe('helpdesk API', () => {
  it('serves conversations only from granted mailboxes', async () => {
    const { api, signIn } = await startDesk()
    const erin = await signIn('erin')
    const alice = await signIn('alice')
    const denied = await api('/api/mailboxes/2/conversations', { token: erin.token })
    expect(denied.status).toBe(403)
    expect((await api('/api/mailboxes/2/conversations/201', { token: erin.token })).status).toBe(
      403,
    )
    expect((await api('/api/mailboxes/2/conversations')).status).toBe(401)

    const res = await api('/api/mailboxes/2/conversations', { token: alice.token })
    const body = (await res.json()) as { conversations: { id: string; mailboxId: string }[] }
    expect(body.conversations).toHaveLength(6)
    expect(body.conversations.every((c) => c.mailboxId === '2')).toBe(true)
  })

  it('answers an empty conversation for an unknown id and 404 for a malformed one', async () => {
    const { api, signIn } = await startDesk()
    const { token } = await signIn('bob')
    const res = await api('/api/mailboxes/1/conversations/e2e-abc_1', { token })
    const { conversation } = (await res.json()) as { conversation: { messages: unknown[] } }
    expect(conversation.messages).toEqual([])
    expect((await api('/api/mailboxes/1/conversations/a.b', { token })).status).toBe(404)
  })

  it('appends a reply to the thread of this server only', async () => {
    const first = await startDesk()
    const second = await startDesk()
    const { token } = await first.signIn('carol')
    const post = await first.api('/api/mailboxes/1/conversations/103/replies', {
      method: 'POST',
      token,
      body: JSON.stringify({ body: '  Shipping next week.  ' }),
    })
    expect(post.status).toBe(201)
    const read = async (desk: typeof first, t: string) => {
      const res = await desk.api('/api/mailboxes/1/conversations/103', { token: t })
      const { conversation } = (await res.json()) as {
        conversation: { messages: { body: string }[] }
      }
      return conversation.messages.map((m) => m.body)
    }
    expect((await read(first, token)).at(-1)).toBe('Shipping next week.')
    const other = await second.signIn('carol')
    expect(await read(second, other.token)).toHaveLength(2)
  })
})

describe('static app', () => {
  it('falls back to index.html for client routes, not for missing assets', async () => {
    const { api } = await startDesk()
    const page = await api('/mailbox/1/conversation/101')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(await page.text()).toContain('<title>desk</title>')

    const asset = await api('/assets/app-123.js')
    expect(asset.headers.get('cache-control')).toContain('immutable')
    expect((await api('/assets/missing.js')).status).toBe(404)
    expect((await api('/..%2F..%2Fetc%2Fpasswd')).status).toBe(404)
  })
})
