/**
 * Where the relay takes the token from when a client offers two (access/admission.ts,
 * docs/integration.md "Passing the token outside the URL"): the `sightline.token.<jwt>`
 * subprotocol wins over the URL's `?token=`. Each order is tried with one valid and one
 * invalid real JWT (signed with another key), and with two valid ones naming different
 * agents, over real sockets.
 */
import { CloseCode, tokenSubprotocols } from '@sightline/protocol'
import { describe, expect, it } from 'vitest'
import type { RelayHandle } from '../src/index.js'
import {
  connect,
  join,
  mintToken,
  presence,
  settle,
  startRelay,
  type TestClient,
  uniqueRoom,
} from './fixtures.js'

/** A token that looks right but was signed with another key: the relay must refuse it. */
const forged = (sub: string) => mintToken({ sub, secret: 'another-secret-another-secret-xx' })

/** Opens `room` with `urlToken` in the URL and `protocolToken` offered as a subprotocol. */
function connectWithBoth(
  relay: RelayHandle,
  room: string,
  urlToken: string,
  protocolToken: string,
): Promise<TestClient> {
  return connect(relay, room, urlToken, tokenSubprotocols(protocolToken))
}

describe('token precedence: subprotocol over URL', () => {
  it('a valid subprotocol token admits the client whatever invalid token the URL holds', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const watcher = await join(relay, room, 'olga')
    const alice = await connectWithBoth(
      relay,
      room,
      await forged('alice'),
      await mintToken({ sub: 'alice' }),
    )
    expect(alice.ws.protocol).toBe('sightline')
    alice.setState(11, 1, presence('alice'))
    await settle(alice)
    await expect.poll(() => watcher.live().get(11)?.user.id).toBe('alice')
    expect(alice.closeCode).toBeUndefined()
  })

  it('an invalid subprotocol token is refused (4401) even with a valid token in the URL', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = await connectWithBoth(
      relay,
      room,
      await mintToken({ sub: 'alice' }),
      await forged('alice'),
    )
    await expect.poll(() => alice.closeCode).toBe(CloseCode.BadToken)
    expect(alice.frames).toHaveLength(0)
    expect(relay.stats()).toEqual({ rooms: 0, connections: 0 })
  })

  it('with two valid tokens naming different agents, the client is the subprotocol one', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const watcher = await join(relay, room, 'olga')
    // The URL says Bob, the subprotocol says Alice: a state naming Alice is hers to write...
    const asAlice = await connectWithBoth(
      relay,
      room,
      await mintToken({ sub: 'bob' }),
      await mintToken({ sub: 'alice' }),
    )
    asAlice.setState(11, 1, presence('alice'))
    await expect.poll(() => watcher.live().get(11)?.user.id).toBe('alice')
    expect(asAlice.closeCode).toBeUndefined()
    // ...and one naming Bob is another user's: refused as an identity mismatch.
    const notBob = await connectWithBoth(
      relay,
      room,
      await mintToken({ sub: 'bob' }),
      await mintToken({ sub: 'alice' }),
    )
    notBob.setState(22, 1, presence('bob'))
    expect(await notBob.closed()).toBe(CloseCode.PolicyViolation)
    await settle(watcher)
    expect(watcher.live().has(22)).toBe(false)
  })
})
