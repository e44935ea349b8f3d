/**
 * Collision signals over the real relay: the reply log travels through the room's document,
 * `beforeSend` reports what happened while composing, and every tab agrees on the first replier.
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
    // "Newest first" needs alice's reply to be stamped after carol's: wait for carol's to
    // arrive and the clock to move on (same-millisecond replies are ordered by client ID).
    await expect.poll(() => repliesOf(bob)).toEqual(['carol'])
    const carolAt = bob.replies[0]!.at
    await expect.poll(() => Date.now()).toBeGreaterThan(carolAt)
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
    bob.markReplySent()
    await expect.poll(() => alice.beforeSend().conflicts.repliedBy.length).toBe(1)
    const { ok, conflicts } = alice.beforeSend()
    expect(ok).toBe(false)
    expect(conflicts.repliedBy[0]?.user).toEqual({ id: 'bob', name: 'Bob' })
    expect(conflicts.repliedBy[0]!.at).toBeGreaterThanOrEqual(alice.composingSince!)

    // Carol stops; Alice closes and reopens her editor: a new composition, nothing to confirm.
    carol.setActivity('viewing')
    alice.setActivity('viewing')
    expect(alice.composingSince).toBeNull()
    await expect.poll(() => Date.now()).toBeGreaterThan(alice.replies[0]!.at)
    alice.setActivity('replying')
    await expect.poll(() => alice.beforeSend().ok).toBe(true)
  })

  it('two agents starting to reply at once agree on who was first, with no lock', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = join(relay, room, 'alice')
    const bob = join(relay, room, 'bob')
    const olga = join(relay, room, 'olga')
    await expect.poll(() => viewersOf(olga).length).toBe(2)

    // Truly at once: the same millisecond, so the tie is broken by user id.
    vi.spyOn(Date, 'now').mockReturnValue(1_800_000_000_000)
    bob.setActivity('replying')
    alice.setActivity('replying')
    vi.restoreAllMocks()
    for (const client of [alice, bob, olga]) await expect.poll(() => firstOf(client)).toBe('alice')
    // Each also sees the other as replying now, and only the other.
    expect(alice.beforeSend().conflicts.replyingNow.map((v) => v.user.id)).toEqual(['bob'])
    expect(bob.beforeSend().conflicts.replyingNow.map((v) => v.user.id)).toEqual(['alice'])
    expect(bob.firstReplier(false)?.user.id).toBe('alice')
    expect(alice.firstReplier(false)?.user.id).toBe('bob')

    // A millisecond apart, against the id order: the earlier one wins everywhere.
    alice.setActivity('viewing')
    bob.setActivity('viewing')
    await expect.poll(() => firstOf(olga)).toBeNull()
    const spy = vi.spyOn(Date, 'now')
    spy.mockReturnValueOnce(1_800_000_000_001)
    bob.setActivity('replying')
    spy.mockReturnValueOnce(1_800_000_000_002)
    alice.setActivity('replying')
    vi.restoreAllMocks()
    for (const client of [alice, bob, olga]) await expect.poll(() => firstOf(client)).toBe('bob')
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

  it(`keeps the room's log to the last ${MAX_REPLIES} replies`, async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = join(relay, room, 'alice')
    const bob = join(relay, room, 'bob')
    await expect.poll(() => viewersOf(alice).length).toBe(1)
    for (let i = 0; i < MAX_REPLIES + 5; i++) bob.markReplySent()
    await expect.poll(() => alice.replies.length).toBe(MAX_REPLIES)
    expect(bob.doc.getArray('replies').length).toBe(MAX_REPLIES)
  })
})
