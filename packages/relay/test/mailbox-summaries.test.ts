/**
 * MailboxSummaries in process: a registry, fake peers and fake timers, so the bookkeeping
 * (flush batching, room re-creation inside one flush, memory freed in any leave order) is
 * checked exactly, without sockets.
 */
import {
  type AwarenessEntry,
  conversationRoom,
  encodeAwarenessFrame,
  mailboxRoom,
  readMailboxSummary,
  type SightlineClaims,
} from '@sightline/protocol'
import { readAwarenessEntries } from '@sightline/testkit'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MailboxSummaries, SUMMARY_FLUSH_MS } from '../src/core/mailbox-summaries.js'
import type { Room, RoomPeer } from '../src/core/room.js'
import { RoomRegistry } from '../src/core/room-registry.js'
import { wireRooms } from '../src/relay-wiring.js'
import { presence } from './fixtures.js'

class FakePeer implements RoomPeer {
  readonly awareness: AwarenessEntry[][] = []
  readonly claims: SightlineClaims
  constructor(
    readonly id: string,
    readonly subject: string,
  ) {
    this.claims = {
      sub: subject,
      name: subject.charAt(0).toUpperCase() + subject.slice(1),
      rooms: ['*'],
      exp: 2e9,
    }
  }
  send(frame: Uint8Array): void {
    const entries = readAwarenessEntries(frame)
    if (entries !== null && entries.length > 0) this.awareness.push(entries)
  }
  /** Conversation ids and their viewer ids, as the entries received so far leave them. */
  view(): Record<string, string[]> {
    const last = new Map<number, string>()
    for (const frame of this.awareness) for (const e of frame) last.set(e.clientId, e.json)
    const out: Record<string, string[]> = {}
    for (const json of last.values()) {
      const s = json === 'null' ? null : readMailboxSummary(JSON.parse(json))
      if (s !== null) out[s.conversation] = s.viewers.map((v) => v.user.id)
    }
    return out
  }
}

let summaries: MailboxSummaries
let rooms: RoomRegistry
beforeEach(() => {
  vi.useFakeTimers()
  summaries = new MailboxSummaries()
  rooms = new RoomRegistry(undefined, wireRooms(summaries, null))
})
afterEach(() => {
  summaries.stop()
  vi.useRealTimers()
})

function tab(c: string, sub: string, clientId: number): { room: Room; peer: FakePeer } {
  const peer = new FakePeer(`${sub}-${clientId}`, sub)
  const room = rooms.join(conversationRoom(1, c), peer)
  room.receive(
    peer,
    encodeAwarenessFrame([{ clientId, clock: 1, json: JSON.stringify(presence(sub)) }]),
  )
  return { room, peer }
}

describe('MailboxSummaries (in process)', () => {
  it('sends one frame per flush with every conversation that changed', () => {
    const list = new FakePeer('list', 'erin')
    rooms.join(mailboxRoom(1), list)
    tab('a', 'alice', 11)
    tab('b', 'bob', 21)
    expect(list.awareness).toHaveLength(0)
    vi.advanceTimersByTime(SUMMARY_FLUSH_MS)
    expect(list.awareness).toHaveLength(1)
    expect(list.view()).toEqual({ a: ['alice'], b: ['bob'] })
  })

  it('never shows a conversation as empty when its only tab comes back within a flush', () => {
    const list = new FakePeer('list', 'erin')
    rooms.join(mailboxRoom(1), list)
    const first = tab('a', 'alice', 11)
    vi.advanceTimersByTime(SUMMARY_FLUSH_MS)
    rooms.leave(first.room, first.peer)
    tab('a', 'alice', 12)
    vi.advanceTimersByTime(SUMMARY_FLUSH_MS)
    expect(list.awareness.flat().some((e) => e.json === 'null')).toBe(false)
    expect(list.view()).toEqual({ a: ['alice'] })
  })

  it('frees everything once every room is gone, whichever leaves first', () => {
    const list = new FakePeer('list', 'erin')
    const listRoom = rooms.join(mailboxRoom(1), list)
    const a = tab('a', 'alice', 11)
    vi.advanceTimersByTime(SUMMARY_FLUSH_MS)
    rooms.leave(a.room, a.peer)
    vi.advanceTimersByTime(SUMMARY_FLUSH_MS)
    expect(list.view()).toEqual({})
    rooms.leave(listRoom, list)
    expect(summaries.tracked).toBe(0)

    const list2 = new FakePeer('list2', 'erin')
    const listRoom2 = rooms.join(mailboxRoom(1), list2)
    const b = tab('b', 'bob', 21)
    vi.advanceTimersByTime(SUMMARY_FLUSH_MS)
    rooms.leave(listRoom2, list2)
    rooms.leave(b.room, b.peer)
    vi.advanceTimersByTime(SUMMARY_FLUSH_MS)
    expect(summaries.tracked).toBe(0)
    expect(rooms.size).toBe(0)
  })

  it('derives nothing while no list is open, and builds every summary for the first one', () => {
    tab('a', 'alice', 11)
    tab('b', 'bob', 21)
    expect(vi.getTimerCount()).toBe(0)
    const list = new FakePeer('list', 'erin')
    rooms.join(mailboxRoom(1), list)
    expect(list.awareness).toHaveLength(1)
    expect(list.view()).toEqual({ a: ['alice'], b: ['bob'] })
  })
})
