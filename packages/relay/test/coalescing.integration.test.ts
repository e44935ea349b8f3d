/**
 * The coalescing window of a busy room (`coalesceWindowMs`, room.ts): a change in a quiet room
 * goes out at once; changes made within a window of the last one forwarded are held and each
 * receiver gets them in one frame when the window ends (latest per client ID, never its own),
 * so a busy room costs one write per receiver per window. Real sockets to a real relay.
 */
import type { AwarenessEntry } from '@sightline/protocol'
import { describe, expect, it } from 'vitest'
import { coalesceWindowOf, FULL_WINDOW_PEERS } from '../src/core/forward-window.js'
import { join, presence, settle, startRelay, uniqueRoom } from './fixtures.js'

/** Long enough that "at once" and "held until the window ends" cannot be confused. */
const WINDOW_MS = 1000

type Relay = Awaited<ReturnType<typeof startRelay>>

/**
 * A room of FULL_WINDOW_PEERS with Alice, Bob and Carol in it, after Alice's first state went
 * out (so the room has just forwarded: the next changes are within its window).
 */
async function busyRoom() {
  const relay = await startRelay({ coalesceWindowMs: WINDOW_MS })
  const room = uniqueRoom()
  await fill(relay, room, 3)
  const alice = await join(relay, room, 'alice')
  const bob = await join(relay, room, 'bob')
  const carol = await join(relay, room, 'carol')
  alice.setState(11, 1, presence('alice'))
  await expect.poll(() => bob.live().has(11)).toBe(true)
  return { alice, bob, carol }
}

/** Silent peers that make `room` big enough to hold for the whole window (with `others`). */
async function fill(relay: Relay, room: string, others: number): Promise<void> {
  await Promise.all(
    Array.from({ length: FULL_WINDOW_PEERS - others }, (_, i) => join(relay, room, `filler${i}`)),
  )
}

const clientIds = (frame: readonly AwarenessEntry[]) => frame.map((e) => e.clientId).sort()

describe('coalescing window', () => {
  it('scales with the room: a room of 50 or more holds the whole window, smaller ones a share falling with the square of their size', () => {
    expect(coalesceWindowOf(50, 50)).toBe(50)
    expect(coalesceWindowOf(50, 500)).toBe(50)
    expect(coalesceWindowOf(50, 10)).toBeCloseTo(2)
    expect(coalesceWindowOf(50, 5)).toBeCloseTo(0.5)
    expect(coalesceWindowOf(0, 50)).toBe(0)
  })

  it('a quiet room forwards a change at once', async () => {
    const relay = await startRelay({ coalesceWindowMs: WINDOW_MS })
    const room = uniqueRoom()
    await fill(relay, room, 2)
    const alice = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    const startedAt = performance.now()
    alice.setState(11, 1, presence('alice'))
    await expect.poll(() => bob.live().has(11), { timeout: WINDOW_MS / 2 }).toBe(true)
    expect(performance.now() - startedAt).toBeLessThan(WINDOW_MS / 2)
  })

  it('a busy room sends each receiver one frame per window with every held change but its own', async () => {
    const { alice, bob, carol } = await busyRoom()
    const marks = [alice, bob, carol].map((c) => c.stateFrames().length)
    // Within the window of that first change: held.
    const heldAt = performance.now()
    // Every held value distinct (from each other and from what went out before), so a window
    // that kept the first, or any but the latest, shows here.
    const aliceHeld = [
      { activity: 'replying', away: false },
      { activity: 'viewing', away: true },
      { activity: 'replying', away: true },
    ] as const
    for (const [i, patch] of aliceHeld.entries()) {
      alice.setState(11, i + 2, presence('alice', patch))
    }
    const carolHeld = [
      { activity: 'viewing', away: true },
      { activity: 'replying', away: false },
    ] as const
    for (const [i, patch] of carolHeld.entries()) {
      carol.setState(33, i + 1, presence('carol', patch))
    }
    await settle(alice)
    await settle(carol)
    expect(bob.stateFrames().length).toBe(marks[1])

    await expect
      .poll(() => bob.live().get(33)?.activity, { timeout: 3 * WINDOW_MS })
      .toBe('replying')
    // Released with the window's end, not before.
    expect(performance.now() - heldAt).toBeGreaterThan(WINDOW_MS / 2)
    await settle(alice)
    await settle(carol)
    await settle(bob)
    const newFrames = (i: number, c: { stateFrames(): AwarenessEntry[][] }) =>
      c.stateFrames().slice(marks[i])
    // Bob: one frame with the latest held value of each writer (the relay stamps its own
    // clocks, so the value says which it is); none of the earlier held ones, none lost.
    expect(newFrames(1, bob).map(clientIds)).toEqual([[11, 33]])
    const [frame] = newFrames(1, bob)
    const held = (id: number) => {
      const entry = frame!.find((e) => e.clientId === id)!
      const { activity, away } = JSON.parse(entry.json)
      return { activity, away }
    }
    expect(held(11)).toEqual(aliceHeld[2])
    expect(held(33)).toEqual(carolHeld[1])
    expect(bob.live().get(11)).toMatchObject(aliceHeld[2])
    expect(bob.live().get(33)).toMatchObject(carolHeld[1])
    // The writers: one frame each, without their own state (no echo). Frames of only their own
    // entries are the relay's corrections of their `since`, sent to them alone.
    const forwarded = (i: number, c: { stateFrames(): AwarenessEntry[][] }, own: number) =>
      newFrames(i, c).filter((f) => !f.every((e) => e.clientId === own))
    expect(forwarded(0, alice, 11).map(clientIds)).toEqual([[33]])
    expect(forwarded(2, carol, 33).map(clientIds)).toEqual([[11]])
  })

  it('a removal made within the window is not overtaken by a held change', async () => {
    const { alice, bob, carol } = await busyRoom()
    const mark = bob.stateFrames().length
    alice.setState(11, 2, presence('alice', { activity: 'replying' }))
    await settle(alice)
    await alice.close()
    // Written after the removal, in the same window: it travels with it.
    carol.setState(33, 1, presence('carol'))
    await expect.poll(() => bob.live().has(33), { timeout: 3 * WINDOW_MS }).toBe(true)
    // One frame: Alice's removal (her held change folded into it) and Carol's state.
    const frames = bob.stateFrames().slice(mark)
    expect(frames.map(clientIds)).toEqual([[11, 33]])
    expect(frames[0]!.find((e) => e.clientId === 11)?.json).toBe('null')
    expect(bob.live().has(11)).toBe(false)
  })

  it('with a window of 0, every change is forwarded in its own frame', async () => {
    const relay = await startRelay({ coalesceWindowMs: 0 })
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    for (let i = 1; i <= 5; i++) {
      alice.setState(11, i, presence('alice', { activity: i % 2 === 0 ? 'replying' : 'viewing' }))
    }
    await expect.poll(() => bob.stateFrames().length).toBe(5)
  })
})
