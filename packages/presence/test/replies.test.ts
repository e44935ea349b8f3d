/** Reading the reply log in a Y.Doc, in-process: shape checks, order, and collision checks. */

import { replyEntryKey } from '@sightline/protocol'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { checkBeforeSend, firstReplier } from '../src/collision.js'
import { readReplies, readReplyEntry, repliesArray, replyKey } from '../src/replies.js'

const entry = (userId: string, at: number, clientId = 1) => ({
  userId,
  name: userId.toUpperCase(),
  at,
  clientId,
})

describe('reply log', () => {
  it('reads valid entries only, keeping known fields', () => {
    expect(readReplyEntry({ ...entry('bob', 5), extra: true })).toEqual(entry('bob', 5))
    expect(readReplyEntry({ ...entry('bob', 5), avatar: '/a.png' })).toEqual({
      ...entry('bob', 5),
      avatar: '/a.png',
    })
    expect(readReplyEntry(null)).toBeNull()
    expect(readReplyEntry('bob')).toBeNull()
    expect(readReplyEntry({ ...entry('bob', 5), userId: '' })).toBeNull()
    expect(readReplyEntry({ ...entry('bob', 5), name: 7 })).toBeNull()
    expect(readReplyEntry({ ...entry('bob', 5), avatar: 7 })).toBeNull()
    expect(readReplyEntry({ ...entry('bob', 5), at: Number.NaN })).toBeNull()
    expect(readReplyEntry({ ...entry('bob', 5), at: -1 })).toBeNull()
    expect(readReplyEntry({ ...entry('bob', 5), clientId: 1.5 })).toBeNull()
    expect(readReplyEntry({ ...entry('bob', 5), userId: 'x'.repeat(129) })).toBeNull()
  })

  it('lists others newest first and ignores entries that are not replies', () => {
    const doc = new Y.Doc()
    repliesArray(doc).push([
      entry('bob', 100, 2),
      entry('alice', 300, 1),
      { userId: 'mallory' },
      42,
      entry('carol', 200, 3),
      entry('dave', 200, 4),
    ])
    expect(readReplies(doc, 'alice').map((r) => `${r.user.id}@${r.at}`)).toEqual([
      'dave@200',
      'carol@200',
      'bob@100',
    ])
    expect(readReplies(doc)[0]).toEqual({
      user: { id: 'alice', name: 'ALICE' },
      at: 300,
      clientId: 1,
    })
  })

  it("names a reply with its log entry's key, and tells apart entries that differ in any part", () => {
    const doc = new Y.Doc()
    const entries = [
      entry('bob', 100, 2),
      entry('bob', 100, 3),
      entry('bo', 100, 2),
      entry('bob', 1, 2),
    ]
    repliesArray(doc).push(entries)
    const keys = readReplies(doc).map(replyKey)
    expect(new Set(keys)).toEqual(new Set(entries.map(replyEntryKey)))
    expect(new Set(keys).size).toBe(entries.length)
  })
})

describe('collision checks', () => {
  const bob = { id: 'bob', name: 'Bob' }
  it('reports replies not seen when composing began, and agents replying now', () => {
    const replies = [
      { user: bob, at: 2_000, clientId: 2 },
      { user: bob, at: 999, clientId: 2 },
    ]
    const carol = {
      user: { id: 'carol', name: 'Carol' },
      activity: 'replying' as const,
      away: false,
      since: 1_500,
      tabs: 1,
    }
    const dave = { ...carol, user: { id: 'dave', name: 'Dave' }, activity: 'viewing' as const }
    // The tab had seen the older reply when it began composing; the newer one is news.
    const seen = new Set([replyKey(replies[1]!)])
    const seenBefore = (r: (typeof replies)[number]) => seen.has(replyKey(r))
    const result = checkBeforeSend(replies, [carol, dave], seenBefore)
    expect(result.ok).toBe(false)
    expect(result.conflicts.repliedBy).toEqual([replies[0]])
    expect(result.conflicts.replyingNow).toEqual([carol])
    expect(checkBeforeSend([replies[1]!], [dave], seenBefore)).toEqual({
      ok: true,
      conflicts: { repliedBy: [], replyingNow: [] },
    })
  })

  it('names the first replier by since, then user id, whatever the input order', () => {
    const state = (id: string, activity: 'viewing' | 'replying', since: number) => ({
      user: { id, name: id },
      activity,
      away: false,
      since,
    })
    const states = [
      state('zed', 'replying', 10),
      state('amy', 'viewing', 1),
      state('bo', 'replying', 10),
    ]
    expect(firstReplier(states)?.user.id).toBe('bo')
    expect(firstReplier([...states].reverse())?.user.id).toBe('bo')
    expect(firstReplier(states, 'bo')?.user.id).toBe('zed')
    expect(firstReplier([state('amy', 'viewing', 1)])).toBeNull()
  })
})
