/**
 * Errors that name their cause, against the real relay: the close reason it sends reaches
 * `onError` and `error`, the status never says `connected` before admission, and a URL where
 * nothing listens ends in a `connect-failed` error instead of `connecting` in silence.
 */
import { createServer } from 'node:net'
import { CloseCode, roomBaseUrl, tokenSubprotocols } from '@sightline/protocol'
import { mintToken } from '@sightline/testkit'
import { describe, expect, it, onTestFinished } from 'vitest'
import WS from 'ws'
import { UNREACHABLE_AFTER } from '../src/connection.js'
import type { ConnectionStatus, PresenceClient, PresenceError } from '../src/index.js'
import { join, startRelay, token, uniqueRoom } from './relay-fixtures.js'

/** Every status and error `client` reports from now on. */
function watch(client: PresenceClient) {
  const statuses: ConnectionStatus[] = []
  const errors: PresenceError[] = []
  client.onStatus((s) => statuses.push(s))
  client.onError((e) => errors.push(e))
  return { statuses, errors }
}

/** A `ws` constructor whose sockets send `origin` as a browser would. */
const fromOrigin = (origin: string) =>
  class extends WS {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { origin })
    }
  }

/** The close code and reason the relay sends a raw socket. */
function closeOf(socket: WS): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
}

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('errors name their cause (real relay)', () => {
  it('a bad token: "bad or expired token" in the error, and never `connected` on the way', async () => {
    const relay = await startRelay()
    const forged = mintToken({ sub: 'alice', rooms: ['mailbox/1/*'], secret: 'x'.repeat(40) })
    const client = join(relay, uniqueRoom(), 'alice', { token: forged })
    const { statuses, errors } = watch(client)
    await expect.poll(() => client.status).toBe('closed')
    expect(statuses).toEqual(['connecting', 'closed'])
    expect(errors.map((e) => [e.code, e.closeCode, e.closeReason])).toEqual([
      ['refused', CloseCode.BadToken, 'bad or expired token'],
    ])
    expect(client.error?.message).toBe(
      'the relay refused the connection: bad or expired token (close code 4401)',
    )
  })

  it('a refused origin: the reason the relay sent for it reaches the error', async () => {
    const relay = await startRelay({ allowedOrigins: ['https://help.example.com'] })
    const room = uniqueRoom()
    const Foreign = fromOrigin('https://elsewhere.example.com')
    // What the relay says to a socket from that origin, read on a raw socket.
    const raw = new Foreign(roomBaseUrl(relay.url, room), tokenSubprotocols(token('bob')))
    onTestFinished(() => raw.terminate())
    const sent = await closeOf(raw)
    expect(sent.code).toBe(CloseCode.Forbidden)
    // Its own reason, not "room not granted": the fix is in the relay's settings.
    expect(sent.reason).toBe('origin not allowed (SIGHTLINE_ALLOWED_ORIGINS)')

    const client = join(relay, room, 'alice', { WebSocket: Foreign })
    const { errors } = watch(client)
    await expect.poll(() => client.status).toBe('closed')
    expect(errors).toHaveLength(1)
    expect(errors[0]?.closeCode).toBe(CloseCode.Forbidden)
    expect(errors[0]?.closeReason).toBe(sent.reason)
    expect(errors[0]?.message).toContain(sent.reason)
  })

  it('nothing listening at the URL: a connect-failed error after a few attempts, still trying', async () => {
    const port = await closedPort()
    const client = join({ url: `ws://127.0.0.1:${port}` }, uniqueRoom(), 'alice')
    const { statuses, errors } = watch(client)
    await expect.poll(() => errors.length, { timeout: 5000 }).toBe(1)
    expect(errors[0]?.code).toBe('connect-failed')
    expect(errors[0]?.closeCode).toBe(1006)
    expect(errors[0]?.message).toContain(
      `at ws://127.0.0.1:${port} (${UNREACHABLE_AFTER} attempts)`,
    )
    expect(client.error).toBe(errors[0])
    expect(client.status).toBe('connecting')
    expect(statuses).toEqual(['connecting'])
  })
})
