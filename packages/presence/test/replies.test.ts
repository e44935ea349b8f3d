/** The reply log in a Y.Doc, in-process: shape checks, trimming, order, and two docs merging. */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { checkBeforeSend, firstReplier } from '../src/collision.js'
import {
  appendReply,
  MAX_REPLIES,
  readReplies,
  readReplyEntry,
  repliesArray,
} from '../src/replies.js'

const entry = (userId: string, at: number, clientId = 1) => ({
  userId,
  name: userId.toUpperCase(),
  at,
  clientId,
})

/** Two docs wired by their updates, as the relay would. */
function pair(): [Y.Doc, Y.Doc] {
  const a = new Y.Doc()
  const b = new Y.Doc()
  a.on('update', (u: Uint8Array, origin: unknown) => {
    if (origin !== b) Y.applyUpdate(b, u, a)
  })
  b.on('update', (u: Uint8Array, origin: unknown) => {
    if (origin !== a) Y.applyUpdate(a, u, b)
  })
  return [a, b]
}

describe('reply log', () => {
  it('reads valid entries only, keeping known fields', () => {
    expect(readReplyEntry({ ...entry('bob', 5), extra: true })).toEqual(entry('bob', 5))
    expect(readReplyEntry(null)).toBeNull()
    expect(readReplyEntry('bob')).toBeNull()
    expect(readReplyEntry({ ...entry('bob', 5), userId: '' })).toBeNull()
    expect(readReplyEntry({ ...entry('bob', 5), name: 7 })).toBeNull()
    expect(readReplyEntry({ ...entry('bob', 5), at: Number.NaN })).toBeNull()
    expect(readReplyEntry({ ...entry('bob', 5), at: -1 })).toBeNull()
    expect(readReplyEntry({ ...entry('bob', 5), clientId: 1.5 })).toBeNull()
    expect(readReplyEntry({ ...entry('bob', 5), userId: 'x'.repeat(129) })).toBeNull()
  })

  it('lists others newest first and ignores garbage a peer wrote', () => {
    const doc = new Y.Doc()
    appendReply(doc, entry('bob', 100, 2))
    appendReply(doc, entry('alice', 300, 1))
    repliesArray(doc).push([{ userId: 'mallory' }, 42])
    appendReply(doc, entry('carol', 200, 3))
    appendReply(doc, entry('dave', 200, 4))
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

  it(`keeps the last ${MAX_REPLIES} entries`, () => {
    const doc = new Y.Doc()
    for (let i = 0; i < MAX_REPLIES + 7; i++) appendReply(doc, entry('bob', i))
    const log = repliesArray(doc).toArray().map(readReplyEntry)
    expect(log).toHaveLength(MAX_REPLIES)
    expect(log[0]?.at).toBe(7)
    expect(log.at(-1)?.at).toBe(MAX_REPLIES + 6)
  })

  it('stays bounded when two docs append concurrently', () => {
    const [a, b] = pair()
    for (let i = 0; i < MAX_REPLIES * 3; i++) {
      appendReply(a, entry('alice', 2 * i, 1))
      appendReply(b, entry('bob', 2 * i + 1, 2))
    }
    expect(repliesArray(a).length).toBeLessThanOrEqual(MAX_REPLIES + 1)
    expect(repliesArray(a).toJSON()).toEqual(repliesArray(b).toJSON())
  })
})

describe('collision checks', () => {
  const bob = { id: 'bob', name: 'Bob' }
  it('reports replies since composing and agents replying now', () => {
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
    const result = checkBeforeSend(replies, [carol, dave], 1_000)
    expect(result.ok).toBe(false)
    expect(result.conflicts.repliedBy).toEqual([replies[0]])
    expect(result.conflicts.replyingNow).toEqual([carol])
    expect(checkBeforeSend([replies[1]!], [dave], 1_000)).toEqual({
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
