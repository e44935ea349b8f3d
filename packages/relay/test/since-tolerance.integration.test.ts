/**
 * The relay's `since` tolerance (`SINCE_TOLERANCE_MS`, the rule in `@sightline/protocol`
 * since.ts), over real sockets with real tokens: a state whose `since` lies further from the
 * relay's clock than the tolerance, into the past or the future, reaches the others with the
 * relay's clock instead; one within it reaches them exactly as claimed. The claims sit far
 * from the bound (30 s) and just inside it (1.5 s of 2 s), so both a looser and a tighter
 * tolerance fail here.
 */
import { SINCE_TOLERANCE_MS } from '@sightline/protocol'
import { describe, expect, it } from 'vitest'
import { join, presence, settle, startRelay, type TestClient, uniqueRoom } from './fixtures.js'

/**
 * Bob (client ID 21) claims `since` = now + `offsetMs` while replying. Resolves with the
 * `since` the watcher received, the relay's clock window around the send, the claim, and what
 * Bob himself was told.
 */
async function claim(offsetMs: number) {
  const relay = await startRelay()
  const room = uniqueRoom()
  const watcher = await join(relay, room, 'olga')
  const bob = await join(relay, room, 'bob')
  const before = Date.now()
  const claimed = before + offsetMs
  bob.setState(21, 1, presence('bob', { activity: 'replying', since: claimed }))
  await expect.poll(() => watcher.live().get(21)?.activity).toBe('replying')
  const after = Date.now()
  await settle(bob)
  return { received: watcher.live().get(21)?.since, before, after, claimed, bob, watcher }
}

/** The `since` values Bob's own entry (client ID 21) was sent back with. */
function toldTo(bob: TestClient): number[] {
  return bob
    .stateFrames()
    .flat()
    .filter((e) => e.clientId === 21)
    .map((e) => JSON.parse(e.json).since)
}

describe('since tolerance', () => {
  it('is 2 s, between clock skew under NTP and a person noticing "started replying"', () => {
    // The claims below are placed against this value; a change to it is a change of contract.
    expect(SINCE_TOLERANCE_MS).toBe(2_000)
  })

  it('a since 30 s in the past reaches the others as the relay clock, and the writer learns it', async () => {
    const { received, before, after, bob } = await claim(-30_000)
    expect(received).toBeGreaterThanOrEqual(before)
    expect(received).toBeLessThanOrEqual(after)
    // Corrected, so the relay sends the writer the value the others see.
    expect(toldTo(bob)).toEqual([received])
  })

  it('a since 1.5 s in the past (within the tolerance) reaches the others exactly as claimed', async () => {
    const { received, claimed, bob } = await claim(-1_500)
    expect(received).toBe(claimed)
    // Not corrected: nothing sent back to the writer.
    expect(toldTo(bob)).toEqual([])
  })

  it('a since 1.5 s in the future (within the tolerance) reaches the others exactly as claimed', async () => {
    const { received, claimed } = await claim(1_500)
    expect(received).toBe(claimed)
  })

  it('a since 30 s in the future reaches the others as the relay clock, and the writer learns it', async () => {
    const { received, before, after, bob } = await claim(30_000)
    expect(received).toBeGreaterThanOrEqual(before)
    expect(received).toBeLessThanOrEqual(after)
    expect(toldTo(bob)).toEqual([received])
  })

  it('a second tab joining later sees the corrected since too (the relay holds what it forwarded)', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const bob = await join(relay, room, 'bob')
    const before = Date.now()
    bob.setState(21, 1, presence('bob', { activity: 'replying', since: before - 30_000 }))
    await settle(bob)
    const after = Date.now()
    const late = await join(relay, room, 'olga')
    await expect.poll(() => late.live().get(21)?.activity).toBe('replying')
    expect(late.live().get(21)?.since).toBeGreaterThanOrEqual(before)
    expect(late.live().get(21)?.since).toBeLessThanOrEqual(after)
  })
})
