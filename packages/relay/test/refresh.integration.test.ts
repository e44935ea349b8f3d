/**
 * The refresh sends each receiver one frame per sweep holding every due state of the room but
 * its own (a stock client would re-broadcast its own entry), instead of one frame per owner.
 */
import { describe, expect, it } from 'vitest'
import { join, presence, settle, startRelay, uniqueRoom } from './fixtures.js'

describe('refresh', () => {
  it('sends each receiver one frame with all due states except its own', async () => {
    const relay = await startRelay({ refreshIntervalMs: 300 })
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    const carol = await join(relay, room, 'carol')
    // Dave only watches, like a mailbox list page or a tab that set no state yet.
    const dave = await join(relay, room, 'dave')
    alice.setState(11, 1, presence('alice'))
    bob.setState(21, 1, presence('bob'))
    carol.setState(31, 1, presence('carol'))
    await expect.poll(() => dave.live().size).toBe(3)
    for (const c of [alice, bob, carol]) await settle(c)
    const marks = [alice, bob, carol, dave].map((c) => c.stateFrames().length)
    await expect
      .poll(
        () =>
          Math.min(...[alice, bob, carol, dave].map((c, i) => c.stateFrames().length - marks[i]!)),
        {
          timeout: 5000,
        },
      )
      .toBeGreaterThanOrEqual(2)
    const refreshes = (i: number) =>
      [alice, bob, carol, dave]
        [i]!.stateFrames()
        .slice(marks[i])
        .map((f) => f.map((e) => e.clientId).sort())
    for (const frame of refreshes(0)) expect(frame).toEqual([21, 31])
    for (const frame of refreshes(1)) expect(frame).toEqual([11, 31])
    for (const frame of refreshes(2)) expect(frame).toEqual([11, 21])
    for (const frame of refreshes(3)) expect(frame).toEqual([11, 21, 31])
  })
})
