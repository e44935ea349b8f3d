/**
 * The reply-signal budget from the relay's side (subject-budgets.ts): an agent's reply
 * signals in a room are written to the reply log REPLY_SIGNAL_BURST at once, then one per
 * second, all its connections together; the rest are dropped, the connection kept. Raw
 * sockets, real tokens: each count is read after a heartbeat round trip, so it is the final
 * count for what was sent, not a sample of one that is still rising.
 */
import { encodeSignalFrame, REPLIES_KEY, SignalKind } from '@sightline/protocol'
import { describe, expect, it } from 'vitest'
import { REPLY_SIGNAL_BURST } from '../src/core/room-document.js'
import { join, presence, settle, startRelay, type TestClient, uniqueRoom } from './fixtures.js'
import { documentFrom } from './helpers.js'

/** The reply log as `client` received it, oldest first. */
function replyLog(client: TestClient): { userId: string; clientId: number }[] {
  return documentFrom(client.frames).getArray(REPLIES_KEY).toJSON() as never
}

/** Sends `n` reply signals back to back, then waits until the relay has handled them all. */
async function signal(client: TestClient, n: number): Promise<void> {
  for (let i = 0; i < n; i++) client.send(encodeSignalFrame(SignalKind.ReplySent))
  await settle(client)
}

describe('reply-signal budget, over real sockets', () => {
  it('writes 5 of a burst of 20, shares the budget across the agent, then one per second; never closes', async () => {
    expect(REPLY_SIGNAL_BURST).toBe(5)
    const relay = await startRelay()
    const room = uniqueRoom()
    const watcher = await join(relay, room, 'olga')
    const mallory = await join(relay, room, 'mallory')
    const malloryAgain = await join(relay, room, 'mallory')
    const bob = await join(relay, room, 'bob')
    mallory.setState(66, 1, presence('mallory'))
    malloryAgain.setState(67, 1, presence('mallory'))
    bob.setState(21, 1, presence('bob'))
    await settle(mallory)
    await settle(malloryAgain)
    await settle(bob)

    // A burst of 20: the first 5 are written, the other 15 dropped.
    const burstAt = performance.now()
    await signal(mallory, 20)
    // The relay wrote the log (and sent it to every peer) before it answered the heartbeat
    // above; the watcher's own round trip then comes after those frames on its socket.
    await settle(watcher)
    expect(replyLog(watcher).map((e) => e.clientId)).toEqual([66, 66, 66, 66, 66])
    // Her other connection has no budget of its own: dropped too.
    await signal(malloryAgain, 3)
    await settle(watcher)
    expect(replyLog(watcher)).toHaveLength(5)
    // Another agent has his own: written.
    await signal(bob, 1)
    await settle(watcher)
    expect(replyLog(watcher).map((e) => e.userId)).toEqual([...Array(5).fill('mallory'), 'bob'])

    // One second refills one signal (real time is the condition here, not a wait for an event).
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    await signal(mallory, 3)
    const elapsed = performance.now() - burstAt
    // Under two seconds since the burst: exactly one more is allowed.
    expect(elapsed).toBeLessThan(2_000)
    await settle(watcher)
    expect(replyLog(watcher).map((e) => e.userId)).toEqual([
      ...Array(5).fill('mallory'),
      'bob',
      'mallory',
    ])

    // Dropped, not refused: every connection is open.
    for (const c of [watcher, mallory, malloryAgain, bob]) expect(c.closeCode).toBeUndefined()
  })
})
