/**
 * Collision signals over the real relay: a tab's reply signal becomes a relay-written entry of
 * the room's reply log, `beforeSend` reports what happened while composing, and every tab
 * agrees on the first replier (the relay stamps `since`).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { PresenceClient } from '../src/index.js'
import { MAX_REPLIES } from '../src/index.js'
import { join, startRelay, uniqueRoom, viewersOf } from './relay-fixtures.js'

const repliesOf = (client: PresenceClient) => client.replies.map((r) => r.user.id)
const firstOf = (client: PresenceClient) => client.firstReplier()?.user.id ?? null

afterEach(() => {
  vi.restoreAllMocks()
})

describe('collision over the real relay', () => {
  it("shows others' replies, newest first, not one's own, also to tabs that join later", async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = join(relay, room, 'alice')
    const bob = join(relay, room, 'bob')
    const carol = join(relay, room, 'carol')
    await expect.poll(() => viewersOf(alice).length).toBe(2)
    const seen: string[][] = []
    alice.onReplies((replies) => seen.push(replies.map((r) => r.user.id)))

    bob.markReplySent()
    await expect.poll(() => repliesOf(alice)).toEqual(['bob'])
    carol.markReplySent()
    // The relay stamps `at` with its clock, strictly rising: the order of arrival.
    await expect.poll(() => repliesOf(bob)).toEqual(['carol'])
    alice.markReplySent()
    await expect.poll(() => repliesOf(alice)).toEqual(['carol', 'bob'])
    await expect.poll(() => repliesOf(bob)).toEqual(['alice', 'carol'])
    expect(seen).toEqual([[], ['bob'], ['carol', 'bob']])
    expect(alice.replies[1]).toMatchObject({
      user: { id: 'bob', name: 'Bob' },
      clientId: bob.clientId,
    })

    const dave = join(relay, room, 'dave')
    await expect.poll(() => repliesOf(dave)).toEqual(['alice', 'carol', 'bob'])
  })

  it('beforeSend: replies since I started composing and agents replying now', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = join(relay, room, 'alice')
    const bob = join(relay, room, 'bob')
    const carol = join(relay, room, 'carol')
    await expect.poll(() => viewersOf(alice).length).toBe(2)

    // Before Alice ever composes, the window starts when her tab joined.
    bob.markReplySent()
    await expect.poll(() => repliesOf(alice)).toEqual(['bob'])
    expect(alice.beforeSend().conflicts.repliedBy.map((r) => r.user.id)).toEqual(['bob'])

    await expect.poll(() => Date.now()).toBeGreaterThan(alice.replies[0]!.at)
    alice.setActivity('replying')
    expect(alice.composingSince).toBeTypeOf('number')
    expect(alice.beforeSend()).toEqual({ ok: true, conflicts: { repliedBy: [], replyingNow: [] } })

    carol.setActivity('replying')
    await expect
      .poll(() => alice.beforeSend().conflicts.replyingNow.map((v) => v.user.id))
      .toEqual(['carol'])
    // Bob replies again, from a second tab.
    const bobTab2 = join(relay, room, 'bob')
    await expect.poll(() => viewersOf(alice)).toContain('bob:viewing:here:2')
    bobTab2.markReplySent()
    await expect.poll(() => alice.beforeSend().conflicts.repliedBy.length).toBe(1)
    const { ok, conflicts } = alice.beforeSend()
    expect(ok).toBe(false)
    expect(conflicts.repliedBy[0]?.user).toEqual({ id: 'bob', name: 'Bob' })
    expect(conflicts.repliedBy[0]?.clientId).toBe(bobTab2.clientId)

    // Carol stops; Alice closes and reopens her editor: a new composition, nothing to confirm.
    carol.setActivity('viewing')
    alice.setActivity('viewing')
    expect(alice.composingSince).toBeNull()
    alice.setActivity('replying')
    await expect.poll(() => alice.beforeSend().ok).toBe(true)
  })

  it("a tab's clock does not decide: the relay stamps since and reply times", async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = join(relay, room, 'alice')
    const olga = join(relay, room, 'olga')
    await expect.poll(() => viewersOf(olga).length).toBe(1)
    // Alice's clock says she started replying in 1970; the relay stamps its own time.
    const before = Date.now()
    vi.spyOn(Date, 'now').mockReturnValueOnce(1)
    alice.setActivity('replying')
    await expect.poll(() => olga.others[0]?.activity).toBe('replying')
    expect(olga.others[0]!.since).toBeGreaterThanOrEqual(before)
    // The relay told Alice's tab the value it forwarded: both tabs order her alike.
    await expect.poll(() => alice.firstReplier()?.since).toBe(olga.others[0]!.since)
    alice.markReplySent()
    await expect.poll(() => olga.replies.length).toBe(1)
    expect(olga.replies[0]!.at).toBeGreaterThanOrEqual(before)
  })

  it('two agents starting to reply agree on who was first, with no lock', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = join(relay, room, 'alice')
    const bob = join(relay, room, 'bob')
    const olga = join(relay, room, 'olga')
    await expect.poll(() => viewersOf(olga).length).toBe(2)

    // Bob first, then Alice (against the id order): the earlier one wins everywhere.
    bob.setActivity('replying')
    await expect.poll(() => firstOf(olga)).toBe('bob')
    await expect.poll(() => Date.now()).toBeGreaterThan(olga.others[0]!.since + 5)
    alice.setActivity('replying')
    for (const client of [alice, bob, olga]) await expect.poll(() => firstOf(client)).toBe('bob')
    // Each also sees the other as replying now, and only the other.
    await expect
      .poll(() => alice.beforeSend().conflicts.replyingNow.map((v) => v.user.id))
      .toEqual(['bob'])
    await expect
      .poll(() => bob.beforeSend().conflicts.replyingNow.map((v) => v.user.id))
      .toEqual(['alice'])
    expect(bob.firstReplier(false)?.user.id).toBe('alice')
    expect(alice.firstReplier(false)?.user.id).toBe('bob')

    // Bob stops and starts again: his new `since` is later, so now Alice is first everywhere.
    bob.setActivity('viewing')
    await expect.poll(() => firstOf(olga)).toBe('alice')
    bob.setActivity('replying')
    for (const client of [alice, bob, olga]) {
      await expect.poll(() => firstOf(client)).toBe('alice')
    }
  })

  it('two real clients racing without mocked clocks still agree', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = join(relay, room, 'alice')
    const bob = join(relay, room, 'bob')
    await expect.poll(() => viewersOf(alice).length).toBe(1)
    await Promise.all([
      Promise.resolve().then(() => alice.setActivity('replying')),
      Promise.resolve().then(() => bob.setActivity('replying')),
    ])
    await expect.poll(() => viewersOf(alice)).toEqual(['bob:replying:here:1'])
    await expect.poll(() => viewersOf(bob)).toEqual(['alice:replying:here:1'])
    expect(firstOf(alice)).not.toBeNull()
    expect(firstOf(alice)).toBe(firstOf(bob))
  })

  it(`keeps the room's log to the last ${MAX_REPLIES} replies; a flood from one agent is cut`, async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = join(relay, room, 'alice')
    const bob = join(relay, room, 'bob')
    const others = Array.from({ length: MAX_REPLIES + 4 }, (_, i) => join(relay, room, `agent${i}`))
    await expect.poll(() => alice.others.length).toBe(1 + others.length)
    // A flood from one agent counts up to its burst (5, per agent in the room); one reply
    // from each of the other agents fills the log and trims it.
    for (let i = 0; i < 10; i++) bob.markReplySent()
    await expect.poll(() => alice.replies.length).toBe(5)
    for (const tab of others) tab.markReplySent()
    await expect.poll(() => others[0]!.doc.getArray('replies').length).toBe(MAX_REPLIES)
    await expect
      .poll(() => alice.replies.map((r) => r.clientId))
      .toEqual(
        others
          .slice(-MAX_REPLIES)
          .map((t) => t.clientId)
          .reverse(),
      )
  })
})
