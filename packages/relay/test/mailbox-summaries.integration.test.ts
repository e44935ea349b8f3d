import {
  conversationRoom,
  type MailboxSummary,
  mailboxRoom,
  readMailboxSummary,
} from '@sightline/protocol'
import { describe, expect, it } from 'vitest'
import { MAX_FORGED_WRITES } from '../src/core/connection.js'
import { SUMMARY_FLUSH_MS } from '../src/core/mailbox-summaries.js'
import { join, presence, settle, startRelay, type TestClient } from './fixtures.js'

/** A token's grants for a list page of mailbox `m`, as the demo helpdesk mints them. */
const grants = (m: string) => ({ rooms: [mailboxRoom(m), `${mailboxRoom(m)}/*`] })

/** The summaries a list client holds, by conversation id (removed ones left out). */
function summaries(list: TestClient): Map<string, MailboxSummary> {
  const out = new Map<string, MailboxSummary>()
  for (const value of list.live().values()) {
    const summary = readMailboxSummary(value)
    if (summary === null) throw new Error(`not a summary: ${JSON.stringify(value)}`)
    out.set(summary.conversation, summary)
  }
  return out
}

/** `user:activity` per viewer of conversation `c`, as the list sees it. */
const rowOf = (list: TestClient, c: string) =>
  summaries(list)
    .get(c)
    ?.viewers.map((v) => `${v.user.id}:${v.activity}`)

describe('mailbox summaries', () => {
  it('shows who is on each conversation, replying first, within the flush delay', async () => {
    const relay = await startRelay()
    const list = await join(relay, mailboxRoom(1), 'erin', grants('1'))
    const alice = await join(relay, conversationRoom(1, 'c1'), 'alice', grants('1'))
    const bob = await join(relay, conversationRoom(1, 'c1'), 'bob', grants('1'))
    const carol = await join(relay, conversationRoom(1, 'c2'), 'carol', grants('1'))

    const started = performance.now()
    alice.setState(11, 1, presence('alice', { since: 5 }))
    carol.setState(31, 1, presence('carol'))
    await expect.poll(() => rowOf(list, 'c1'), { interval: 5 }).toEqual(['alice:viewing'])
    // One flush after the first change (generous slack for a loaded machine).
    expect(performance.now() - started).toBeLessThan(SUMMARY_FLUSH_MS + 900)
    expect(rowOf(list, 'c2')).toEqual(['carol:viewing'])

    const bobStarted = Date.now()
    bob.setState(21, 1, presence('bob', { activity: 'replying', since: 9 }))
    await expect.poll(() => rowOf(list, 'c1')).toEqual(['bob:replying', 'alice:viewing'])
    const c1 = summaries(list).get('c1')!
    expect(c1.viewers[0]).toEqual({
      user: { id: 'bob', name: 'Bob' },
      activity: 'replying',
      away: false,
      since: expect.any(Number),
      tabs: 1,
    })
    // The relay stamped `since` when bob started replying; the 9 he claimed is gone.
    expect(c1.viewers[0]?.since).toBeGreaterThanOrEqual(bobStarted)
  })

  it('clears a conversation when its last tab leaves', async () => {
    const relay = await startRelay()
    const list = await join(relay, mailboxRoom(1), 'erin', grants('1'))
    const alice = await join(relay, conversationRoom(1, 'c1'), 'alice', grants('1'))
    const aliceTab2 = await join(relay, conversationRoom(1, 'c1'), 'alice', grants('1'))
    alice.setState(11, 1, presence('alice'))
    aliceTab2.setState(12, 1, presence('alice', { activity: 'replying' }))
    await expect.poll(() => summaries(list).get('c1')?.viewers[0]?.tabs).toBe(2)
    expect(rowOf(list, 'c1')).toEqual(['alice:replying'])

    await aliceTab2.close()
    await expect.poll(() => rowOf(list, 'c1')).toEqual(['alice:viewing'])
    await alice.close()
    await expect.poll(() => summaries(list).has('c1')).toBe(false)
    expect(relay.stats().rooms).toBe(1)

    // Another conversation takes the freed client ID over; its clock still rises.
    const bob = await join(relay, conversationRoom(1, 'c2'), 'bob', grants('1'))
    bob.setState(21, 1, presence('bob'))
    await expect.poll(() => rowOf(list, 'c2')).toEqual(['bob:viewing'])
    expect(summaries(list).has('c1')).toBe(false)
    expect(list.live().size).toBe(1)
  })

  it('gives a list page that opens later every current summary in its first frame', async () => {
    const relay = await startRelay()
    const alice = await join(relay, conversationRoom(1, 'c1'), 'alice', grants('1'))
    const bob = await join(relay, conversationRoom(1, 'c2'), 'bob', grants('1'))
    alice.setState(11, 1, presence('alice'))
    bob.setState(21, 1, presence('bob', { activity: 'replying' }))
    await settle(alice)
    await settle(bob)

    const list = await join(relay, mailboxRoom(1), 'erin', grants('1'))
    await expect.poll(() => list.stateFrames().length).toBe(1)
    expect(rowOf(list, 'c1')).toEqual(['alice:viewing'])
    expect(rowOf(list, 'c2')).toEqual(['bob:replying'])

    // The mailbox room is freed with its last page and built again for the next one.
    await list.close()
    await expect.poll(() => relay.stats().rooms).toBe(2)
    const again = await join(relay, mailboxRoom(1), 'erin', grants('1'))
    await expect.poll(() => summaries(again).size).toBe(2)
  })

  it('coalesces a burst of changes into few frames that end in the right state', async () => {
    const relay = await startRelay()
    const list = await join(relay, mailboxRoom(1), 'erin', grants('1'))
    const alice = await join(relay, conversationRoom(1, 'c1'), 'alice', grants('1'))
    const bob = await join(relay, conversationRoom(1, 'c2'), 'bob', grants('1'))
    for (let clock = 1; clock <= 40; clock++) {
      const activity = clock % 2 === 0 ? 'replying' : 'viewing'
      alice.setState(11, clock, presence('alice', { activity }))
      bob.setState(21, clock, presence('bob', { activity }))
    }
    await expect.poll(() => rowOf(list, 'c1')).toEqual(['alice:replying'])
    await expect.poll(() => rowOf(list, 'c2')).toEqual(['bob:replying'])
    await settle(list)
    // 80 changes in two rooms: a handful of flushes, each one frame with both conversations.
    expect(list.stateFrames().length).toBeLessThanOrEqual(10)
  })

  it('sends nothing when a change leaves the summary as it was', async () => {
    const relay = await startRelay()
    const list = await join(relay, mailboxRoom(1), 'erin', grants('1'))
    const alice = await join(relay, conversationRoom(1, 'c1'), 'alice', grants('1'))
    const aliceTab2 = await join(relay, conversationRoom(1, 'c1'), 'alice', grants('1'))
    alice.setState(11, 1, presence('alice', { activity: 'replying', since: 3 }))
    await expect.poll(() => rowOf(list, 'c1')).toEqual(['alice:replying'])
    const frames = list.stateFrames().length
    // A second tab viewing changes only the tab count; a renewal of the same state nothing.
    aliceTab2.setState(12, 1, presence('alice', { since: 4 }))
    await expect.poll(() => summaries(list).get('c1')?.viewers[0]?.tabs).toBe(2)
    alice.setState(11, 2, presence('alice', { activity: 'replying', since: 3 }))
    await settle(alice)
    // A sentinel change elsewhere: its flush would carry c1 too, had c1 changed.
    const bob = await join(relay, conversationRoom(1, 'c2'), 'bob', grants('1'))
    bob.setState(21, 1, presence('bob'))
    await expect.poll(() => rowOf(list, 'c2')).toEqual(['bob:viewing'])
    expect(list.stateFrames().length).toBe(frames + 2)
    expect(list.stateFrames().at(-1)).toHaveLength(1)
  })

  it('keeps mailboxes apart: no summary crosses to another mailbox, and no grant, no list', async () => {
    const relay = await startRelay()
    const list1 = await join(relay, mailboxRoom(1), 'erin', grants('1'))
    const list2 = await join(relay, mailboxRoom(2), 'dave', grants('2'))
    const refused = await join(relay, mailboxRoom(2), 'erin', grants('1'))
    expect(await refused.closed()).toBe(4403)
    // A grant of conversations only does not open the list of their mailbox.
    const narrow = await join(relay, mailboxRoom(1), 'zoe', { rooms: ['mailbox/1/*'] })
    expect(await narrow.closed()).toBe(4403)
    expect(refused.frames).toHaveLength(0)

    const alice = await join(relay, conversationRoom(2, 'c1'), 'alice', grants('2'))
    alice.setState(11, 1, presence('alice'))
    await expect.poll(() => rowOf(list2, 'c1')).toEqual(['alice:viewing'])
    const bob = await join(relay, conversationRoom(1, 'c1'), 'bob', grants('1'))
    bob.setState(21, 1, presence('bob'))
    await expect.poll(() => rowOf(list1, 'c1')).toEqual(['bob:viewing'])
    await settle(list1)
    await settle(list2)
    expect([...summaries(list1).values()].flatMap((s) => s.viewers.map((v) => v.user.id))).toEqual([
      'bob',
    ])
    expect(rowOf(list2, 'c1')).toEqual(['alice:viewing'])
  })

  it('drops every awareness entry a list connection writes, and closes it with 1008 when it insists', async () => {
    const relay = await startRelay()
    const list = await join(relay, mailboxRoom(1), 'erin', grants('1'))
    const other = await join(relay, mailboxRoom(1), 'dave', grants('1'))
    const alice = await join(relay, conversationRoom(1, 'c1'), 'alice', grants('1'))
    alice.setState(11, 1, presence('alice'))
    await expect.poll(() => rowOf(list, 'c1')).toEqual(['alice:viewing'])
    const [summaryId, seen] = [...list.states].find(([, s]) => s.json !== 'null')!

    // Erin's own valid presence state, a forged summary over the relay's client ID, a removal.
    list.setState(77, 1, presence('erin'))
    list.setState(summaryId, seen.clock + 1000, { conversation: 'c1', viewers: [] })
    list.setState(summaryId, seen.clock + 2000, null)
    await settle(list)
    await settle(other)
    expect(other.stateFrames().length).toBe(1)
    expect(rowOf(other, 'c1')).toEqual(['alice:viewing'])

    for (let i = 0; i < MAX_FORGED_WRITES; i++) list.setState(77, i + 2, presence('erin'))
    expect(await list.closed()).toBe(1008)
    expect(rowOf(other, 'c1')).toEqual(['alice:viewing'])
  })

  it('refreshes summaries like any other state, so stock receivers never expire them', async () => {
    const relay = await startRelay({ refreshIntervalMs: 300 })
    const list = await join(relay, mailboxRoom(1), 'erin', grants('1'))
    const alice = await join(relay, conversationRoom(1, 'c1'), 'alice', grants('1'))
    alice.setState(11, 1, presence('alice'))
    await expect.poll(() => rowOf(list, 'c1')).toEqual(['alice:viewing'])
    const id = [...list.states].find(([, s]) => s.json !== 'null')![0]
    const clock = list.states.get(id)!.clock
    // Alice keeps her socket alive and never renews her state: the relay refreshes both.
    await expect
      .poll(
        () => {
          alice.heartbeat()
          return list.states.get(id)!.clock
        },
        { timeout: 3000 },
      )
      .toBeGreaterThan(clock)
    expect(rowOf(list, 'c1')).toEqual(['alice:viewing'])
  })

  it('shows no summary for a conversation whose tabs have no presence state', async () => {
    const relay = await startRelay()
    const list = await join(relay, mailboxRoom(1), 'erin', grants('1'))
    const alice = await join(relay, conversationRoom(1, 'c1'), 'alice', grants('1'))
    alice.setState(11, 1, {})
    await settle(alice)
    const bob = await join(relay, conversationRoom(1, 'c2'), 'bob', grants('1'))
    bob.setState(21, 1, presence('bob'))
    await expect.poll(() => rowOf(list, 'c2')).toEqual(['bob:viewing'])
    expect(summaries(list).has('c1')).toBe(false)
    expect(list.stateFrames().flat()).toHaveLength(1)
  })
})
