/**
 * The parts a room coordinates, each on its own (in process, no sockets): the forwarding
 * window, membership and the removal grace, admission of states, the cross-node claim rule,
 * and the wiring each kind of room gets.
 */
import {
  type AwarenessEntry,
  type BusState,
  encodeAwarenessFrame,
  readAwarenessUpdate,
  readFrame,
} from '@sightline/protocol'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DEFAULT_OPTIONS } from '../src/config/options.js'
import { AwarenessTable } from '../src/core/awareness-table.js'
import { ForwardWindow } from '../src/core/forward-window.js'
import type { ParsedEntry } from '../src/core/inbound-frame.js'
import { MailboxSummaries } from '../src/core/mailbox-summaries.js'
import { claimWins, mergeRemote } from '../src/core/remote-states.js'
import { Room, type RoomPeer, standInOwner } from '../src/core/room.js'
import { RoomMembers } from '../src/core/room-members.js'
import { RoomRegistry } from '../src/core/room-registry.js'
import { admitStates } from '../src/core/state-admission.js'
import { isRelayError } from '../src/errors.js'
import { wireRooms } from '../src/relay-wiring.js'

interface Receiver extends RoomPeer {
  readonly frames: Uint8Array[]
  /** Awareness entries received, per frame. */
  entries(): AwarenessEntry[][]
}

function receiver(sub: string): Receiver {
  const frames: Uint8Array[] = []
  return {
    id: sub,
    subject: sub,
    claims: { sub, name: sub, exp: Number.MAX_SAFE_INTEGER },
    frames,
    send: (frame) => void frames.push(frame),
    entries: () =>
      frames.flatMap((bytes) => {
        const frame = readFrame(bytes)
        return frame.kind === 'awareness' ? [readAwarenessUpdate(frame.update)] : []
      }),
  }
}

const presence = (sub: string, since = Date.now()) => ({
  user: { id: sub, name: sub },
  activity: 'viewing',
  away: false,
  since,
})

function entry(clientId: number, value: unknown, clock = 1): ParsedEntry {
  return { clientId, clock, json: JSON.stringify(value), value }
}

const change = (clientId: number, n: number): AwarenessEntry => ({
  clientId,
  clock: n,
  json: JSON.stringify({ n }),
})

describe('ForwardWindow', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('forwards at once when quiet; within the window, changes wait and go out merged, the latest per client ID', () => {
    const peers = new Set<Receiver>()
    const [a, b, c] = ['a', 'b', 'c'].map(receiver) as [Receiver, Receiver, Receiver]
    for (const p of [a, b, c]) peers.add(p)
    // A configured window of 50 ms in a room of 50 peers' share: `coalesceWindowOf(50, 3)` is
    // tiny, so the window is set as if the room were full by a large configured one.
    const window = new ForwardWindow(peers, 50 * (50 / 3) ** 2, () => 0)
    window.forward([change(1, 1)], a)
    expect(b.entries()).toEqual([[change(1, 1)]])
    window.forward([change(1, 2)], a)
    window.forward([change(2, 1)], b)
    window.forward([change(1, 3)], a)
    // Nothing more until the window ends.
    expect(b.entries()).toHaveLength(1)
    vi.advanceTimersByTime(50)
    // The latest of client 1 (3, not 2), in the order of the last change; never one's own.
    expect(c.entries().at(-1)).toEqual([change(2, 1), change(1, 3)])
    expect(b.entries().at(-1)).toEqual([change(1, 3)])
    expect(a.entries().at(-1)).toEqual([change(2, 1)])
    expect(a.entries().flat()).not.toContainEqual(change(1, 2))
  })

  it('a window with one writer: one frame with its changes to the others, nothing back to it', () => {
    const peers = new Set<Receiver>()
    const [a, b, c] = ['a', 'b', 'c'].map(receiver) as [Receiver, Receiver, Receiver]
    for (const p of [a, b, c]) peers.add(p)
    const window = new ForwardWindow(peers, 50 * (50 / 3) ** 2, () => 0)
    window.forward([change(1, 1)], a)
    window.forward([change(1, 2)], a)
    window.forward([change(3, 1)], a)
    vi.advanceTimersByTime(50)
    for (const other of [b, c])
      expect(other.entries()).toEqual([[change(1, 1)], [change(1, 2), change(3, 1)]])
    expect(a.entries()).toEqual([])
  })

  it('stops: what waits is dropped with the room', () => {
    const peers = new Set<Receiver>([receiver('a'), receiver('b')])
    const [a, b] = [...peers] as [Receiver, Receiver]
    const window = new ForwardWindow(peers, 10_000, () => 0)
    window.forward([change(1, 1)], a)
    window.forward([change(1, 2)], a)
    window.stop()
    vi.advanceTimersByTime(10_000)
    expect(b.entries()).toEqual([[change(1, 1)]])
  })
})

describe('RoomMembers', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('keeps an abrupt leaver with live states for the grace, and releases a clean one at once', () => {
    const members = new RoomMembers<string>(1500)
    members.join('a')
    members.join('b')
    members.join('c')
    expect(members.leave('a', false, true)).toBe('release')
    expect(members.leave('b', true, true)).toBe('grace')
    expect(members.leave('c', true, false)).toBe('release')
    expect(members.leave('c', true, true)).toBe('absent')
    expect(members.occupants).toBe(1)
    expect(members.empty).toBe(false)
    expect(members.takeDue(performance.now() + 1499)).toEqual([])
    expect(members.takeDue(performance.now() + 1500)).toEqual(['b'])
    expect(members.empty).toBe(true)
  })

  it('with no grace, releases an abrupt leaver at once', () => {
    const members = new RoomMembers<string>(0)
    members.join('a')
    expect(members.leave('a', true, true)).toBe('release')
  })
})

describe('admitStates', () => {
  const limits = { maxStateBytes: 2048, maxClientIdsPerConnection: 4 }
  const codeOf = (run: () => unknown) => {
    try {
      run()
    } catch (error) {
      return isRelayError(error) ? error.reason : String(error)
    }
    return 'admitted'
  }

  it('admits its own state with the relay-checked `since`, refuses another agent taking a claimed ID', () => {
    const table = new AwarenessTable<Receiver>()
    const alice = receiver('alice')
    const mallory = receiver('mallory')
    const admitted = admitStates(table, alice, [entry(1, presence('alice'))], limits)
    expect(admitted.writes.map((w) => w.clientId)).toEqual([1])
    expect(admitted.stateBytes).toBeGreaterThan(0)
    table.commit(alice, 1, admitted.writes[0]!.json, 'viewing', admitted.writes[0]!.since)
    expect(
      codeOf(() => admitStates(table, mallory, [entry(1, presence('mallory'), 99)], limits)),
    ).toBe('client_id_taken')
  })

  it('refuses a state naming another user, one client ID twice, an oversize state and too many IDs', () => {
    const table = new AwarenessTable<Receiver>()
    const alice = receiver('alice')
    expect(codeOf(() => admitStates(table, alice, [entry(1, presence('bob'))], limits))).toBe(
      'identity_mismatch',
    )
    expect(
      codeOf(() =>
        admitStates(
          table,
          alice,
          [entry(1, presence('alice')), entry(1, presence('alice'))],
          limits,
        ),
      ),
    ).toBe('bad_frame')
    const big = { ...presence('alice'), pad: 'x'.repeat(3000) }
    expect(codeOf(() => admitStates(table, alice, [entry(1, big)], limits))).toBe('state_too_large')
    const five = [1, 2, 3, 4, 5].map((id) => entry(id, presence('alice')))
    expect(codeOf(() => admitStates(table, alice, five, limits))).toBe('too_many_client_ids')
  })

  it('replaces a `since` an hour off with the relay clock and says so to the writer', () => {
    const table = new AwarenessTable<Receiver>()
    const alice = receiver('alice')
    const hourAgo = Date.now() - 3_600_000
    const { writes, corrected } = admitStates(
      table,
      alice,
      [entry(1, presence('alice', hourAgo))],
      limits,
    )
    expect(writes[0]!.since).toBeGreaterThan(hourAgo + 3_500_000)
    expect(corrected?.map((e) => e.clientId)).toEqual([1])
  })
})

describe('mergeRemote and claimWins', () => {
  const bus = (clientId: number, subject: string, claimedAt: number): BusState => ({
    clientId,
    json: JSON.stringify(presence(subject, 1)),
    subject,
    claimedAt,
  })

  it('the earlier claim wins, ties go to the smaller subject', () => {
    expect(claimWins({ subject: 'b', claimedAt: 1 }, { subject: 'a', claimedAt: 2 })).toBe(true)
    expect(claimWins({ subject: 'b', claimedAt: 2 }, { subject: 'a', claimedAt: 1 })).toBe(false)
    expect(claimWins({ subject: 'a', claimedAt: 1 }, { subject: 'b', claimedAt: 1 })).toBe(true)
  })

  it('a local claim that wins is reasserted; one that loses evicts its holder', () => {
    const table = new AwarenessTable<Receiver>()
    const alice = receiver('alice')
    const node = standInOwner('node:b:1', 'b', true) as Receiver
    table.commit(alice, 1, JSON.stringify(presence('alice', 1)), 'viewing', 1, 'alice', 100)
    table.commit(alice, 2, JSON.stringify(presence('alice', 1)), 'viewing', 1, 'alice', 300)
    const merged = mergeRemote(table, node, [bus(1, 'mallory', 200), bus(2, 'bob', 200)])
    expect(merged.reassert?.map((s) => s.clientId)).toEqual([1])
    expect([...(merged.evicted ?? [])]).toEqual([alice])
    expect(table.claimOf(2)?.subject).toBe('bob')
    expect(merged.changes.map((e) => e.clientId)).toEqual([2])
  })
})

describe('room wiring (relay-wiring.ts)', () => {
  it('a mailbox list is read-only and unwired, a conversation tells the summaries, any room the bus', () => {
    const summaries = new MailboxSummaries()
    const wiring = wireRooms(summaries, null)
    expect(wiring.wiringFor('mailbox/1')).toMatchObject({ clientStates: false, summaries: null })
    expect(wiring.wiringFor('mailbox/1/conversation/2')).toMatchObject({
      clientStates: true,
      summaries,
    })
    expect(wiring.wiringFor('team/room')).toMatchObject({ clientStates: true, summaries: null })
    summaries.stop()
  })

  it('a committed change reaches the summaries after the forward, once per change', () => {
    const calls: string[] = []
    const peer = receiver('bob')
    const room = new Room(
      'mailbox/1/conversation/1',
      { ...DEFAULT_OPTIONS, coalesceWindowMs: 0 },
      {
        clientStates: true,
        bus: {
          ownStates: (_room, states) => void calls.push(`bus ${states.map((s) => s.clientId)}`),
          reply: () => void calls.push('reply'),
        },
        summaries: {
          statesChanged: () => void calls.push(`summaries after ${peer.frames.length}`),
        },
      },
    )
    const alice = receiver('alice')
    room.join(peer)
    room.join(alice)
    const joined = peer.frames.length
    room.receive(alice, encodeAwarenessFrame([entry(7, presence('alice'))]))
    expect(calls).toEqual(['bus 7', `summaries after ${joined + 1}`])
  })

  it('the registry is observed once, before its first room', () => {
    const rooms = new RoomRegistry()
    rooms.ensure('team/room')
    expect(() => rooms.observe(wireRooms(new MailboxSummaries(), null))).toThrow(/observed once/)
  })
})
