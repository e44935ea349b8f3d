/**
 * A receiver whose wall clock jumps forward (a laptop waking up) keeps its live peers.
 *
 * y-protocols expires remote states by wall clock (`lib0/time.getUnixTime`, which is `Date.now`
 * captured when lib0 loads), so the jump is installed before anything imports lib0: this file
 * patches `Date.now` first and loads the client and the relay dynamically. The relay shares the
 * process and sees the jump too (its clocks keep rising; tokens live long enough).
 */
import { describe, expect, it, onTestFinished } from 'vitest'

const realNow = Date.now
let jumpMs = 0
Date.now = () => realNow() + jumpMs

const time = await import('lib0/time')
const { encodeAwarenessFrame, roomUrl } = await import('@sightline/protocol')
const { default: WS } = await import('ws')
const { join, startRelay, token, uniqueRoom, viewersOf } = await import('./relay-fixtures.js')

/**
 * Bob as a bare socket: he announces once and then stays silent but alive (ws answers the
 * relay's pings), so only the receiver's handling of the jump is under test, not bob's renewals.
 */
async function quietPeer(relayUrl: string, room: string) {
  const socket = new WS(roomUrl(relayUrl, room, token('bob', { ttlSec: 3 * 3600 })))
  onTestFinished(() => socket.close())
  await new Promise((resolve) => socket.once('open', resolve))
  const state = { user: { id: 'bob', name: 'Bob' }, activity: 'viewing', away: false, since: 1 }
  socket.send(encodeAwarenessFrame([{ clientId: 4242, clock: 1, json: JSON.stringify(state) }]))
}

describe('clock jump', () => {
  it('does not drop live peers when the wall clock leaps an hour ahead', async () => {
    // The jump must reach y-protocols' own clock, or this test would prove nothing.
    const before = time.getUnixTime()
    jumpMs = 1
    expect(time.getUnixTime()).toBeGreaterThanOrEqual(before + 1)
    jumpMs = 0

    const relay = await startRelay() // relay refresh (10 s) does not hide a drop within the window
    const room = uniqueRoom()
    const alice = join(relay, room, 'alice', { token: token('alice', { ttlSec: 3 * 3600 }) })
    await quietPeer(relay.url, room)
    await expect.poll(() => viewersOf(alice)).toEqual(['bob:viewing:here:1'])

    jumpMs = 3_600_000
    const samples: string[] = []
    const timer = setInterval(() => samples.push(viewersOf(alice).join()), 20)
    // y-protocols checks every 3 s and drops peers silent for 30 s by its clock: wait it out.
    await new Promise((r) => setTimeout(r, 3500))
    clearInterval(timer)
    jumpMs = 0
    expect(samples.length).toBeGreaterThan(100)
    expect(samples.every((s) => s === 'bob:viewing:here:1')).toBe(true)
    expect(alice.status).toBe('connected')
  })
})
