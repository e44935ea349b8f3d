/**
 * The client's side of the relay's `since` tolerance, over the real relay: the client keeps no
 * tolerance of its own, it adopts the relay's correction. A tab whose clock is 30 s off (ahead
 * or behind) composes "since" the relay's clock, the value the others see; a tab 1.5 s off
 * (within the relay's 2 s) keeps its own, which the others see unchanged.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { join, startRelay, uniqueRoom, viewersOf } from './relay-fixtures.js'

afterEach(() => {
  vi.restoreAllMocks()
})

/** Alice starts replying with her clock `skewMs` off; returns what she and Olga then hold. */
async function replyWithSkew(skewMs: number) {
  const relay = await startRelay()
  const room = uniqueRoom()
  const alice = join(relay, room, 'alice')
  const olga = join(relay, room, 'olga')
  await expect.poll(() => viewersOf(olga).length).toBe(1)
  const before = Date.now()
  const claimed = before + skewMs
  vi.spyOn(Date, 'now').mockReturnValueOnce(claimed)
  alice.setActivity('replying')
  await expect.poll(() => olga.others[0]?.activity).toBe('replying')
  const after = Date.now()
  return { alice, olga, before, after, claimed, seen: olga.others[0]!.since }
}

describe("a tab's since against the relay's tolerance", () => {
  for (const skewMs of [-30_000, 30_000]) {
    it(`a clock ${skewMs / 1000} s off: the others see the relay's clock, and so does the tab`, async () => {
      const { alice, before, after, seen } = await replyWithSkew(skewMs)
      expect(seen).toBeGreaterThanOrEqual(before)
      expect(seen).toBeLessThanOrEqual(after)
      // The tab adopts the relay's correction: it orders itself as every other tab does.
      await expect.poll(() => alice.composingSince).toBe(seen)
      expect(alice.firstReplier()?.since).toBe(seen)
    })
  }

  for (const skewMs of [-1_500, 1_500]) {
    it(`a clock ${skewMs / 1000} s off (within 2 s): its own since stands, for it and the others`, async () => {
      const { alice, claimed, seen } = await replyWithSkew(skewMs)
      expect(seen).toBe(claimed)
      expect(alice.composingSince).toBe(claimed)
      expect(alice.firstReplier()?.since).toBe(claimed)
    })
  }
})
