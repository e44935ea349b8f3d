/**
 * Where the client puts its token: in the `Sec-WebSocket-Protocol` header by default (so it
 * stays out of proxy logs), in the URL only when asked (`tokenIn: 'query'`); and over a real
 * relay, a client using the header joins and is seen.
 */
import { SIGHTLINE_SUBPROTOCOL, tokenFromSubprotocols } from '@sightline/protocol'
import { describe, expect, it, onTestFinished } from 'vitest'
import WS from 'ws'
import { createPresence, type PresenceClient } from '../src/index.js'
import { fakeToken } from './fake-network.js'
import { join, startRelay, token, uniqueRoom, viewersOf } from './relay-fixtures.js'

/** A WebSocket that only records how it was opened. */
function recorder() {
  const opened: { url: string; protocols: string | string[] | undefined }[] = []
  class Recorder {
    readyState = 0
    binaryType = 'arraybuffer'
    onopen = null
    onmessage = null
    onclose = null
    onerror = null
    constructor(url: string, protocols?: string | string[]) {
      opened.push({ url, protocols })
    }
    send() {}
    close() {}
  }
  return { opened, WebSocket: Recorder as never }
}

describe('token transport', () => {
  const jwt = fakeToken({ sub: 'alice', name: 'Alice', exp: Math.floor(Date.now() / 1000) + 600 })

  it('sends the token as a subprotocol by default, never in the URL', () => {
    const r = recorder()
    const client = createPresence({
      url: 'ws://relay.test',
      room: 'mailbox/1/conversation/2',
      token: jwt,
      WebSocket: r.WebSocket,
      environment: null,
    })
    onTestFinished(() => client.destroy())
    expect(r.opened[0]?.url).toBe('ws://relay.test/mailbox/1/conversation/2')
    const protocols = r.opened[0]?.protocols as string[]
    expect(protocols[0]).toBe(SIGHTLINE_SUBPROTOCOL)
    expect(tokenFromSubprotocols(protocols.join(','))).toBe(jwt)
  })

  it("puts it in the query with tokenIn: 'query'", () => {
    const r = recorder()
    const client = createPresence({
      url: 'ws://relay.test',
      room: 'mailbox/1/conversation/2',
      token: jwt,
      tokenIn: 'query',
      WebSocket: r.WebSocket,
      environment: null,
    })
    onTestFinished(() => client.destroy())
    expect(r.opened[0]?.url).toBe(`ws://relay.test/mailbox/1/conversation/2?token=${jwt}`)
    expect(r.opened[0]?.protocols).toBeUndefined()
  })

  it('refuses another value, naming the option', () => {
    expect(() =>
      createPresence({
        url: 'ws://relay.test',
        room: 'mailbox/1/conversation/2',
        token: jwt,
        tokenIn: 'cookie' as never,
        WebSocket: recorder().WebSocket,
        environment: null,
      }),
    ).toThrow(/tokenIn/)
  })

  it('joins a real relay with the token in the header', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice: PresenceClient = join(relay, room, 'alice')
    const bob = createPresence({
      url: relay.url,
      room,
      token: token('bob'),
      WebSocket: WS as never,
      environment: null,
    })
    onTestFinished(() => bob.destroy())
    await expect.poll(() => viewersOf(alice)).toEqual(['bob:viewing:here:1'])
  })
})
