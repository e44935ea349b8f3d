import { describe, expect, it } from 'vitest'
import {
  AwarenessTable,
  MAX_RELEASED_PER_ROOM,
  MAX_RELEASED_PER_SUBJECT,
} from '../src/core/awareness-table.js'

const alice = { subject: 'alice' }
const aliceAgain = { subject: 'alice' }
const bob = { subject: 'bob' }
const A = '{"a":1}'
const B = '{"a":2}'

function table() {
  const clock = { wallMs: 1_000_000, monoMs: 0 }
  const t = new AwarenessTable<{ subject: string }>({
    wall: () => clock.wallMs,
    mono: () => clock.monoMs,
  })
  return { t, clock }
}

describe('AwarenessTable', () => {
  it('hands out relay clocks that rise per client ID, also within one millisecond', () => {
    const { t, clock } = table()
    expect(t.commit(alice, 1, A).clock).toBe(1_000_000)
    expect(t.commit(alice, 1, B).clock).toBe(1_000_001)
    clock.wallMs = 2_000_000
    expect(t.commit(alice, 1, A).clock).toBe(2_000_000)
    expect(t.release(alice)).toEqual([{ clientId: 1, clock: 2_000_001, json: 'null' }])
  })

  it('keeps ownership through null and back, and releases it on close', () => {
    const { t } = table()
    t.commit(alice, 1, A)
    t.commit(alice, 1, 'null')
    expect(t.classify(alice, { clientId: 1, clock: 9, json: A })).toBe('write')
    t.commit(alice, 1, A)
    expect(t.ownerOf(1)).toBe(alice)
    expect(t.release(alice).map((e) => e.json)).toEqual(['null'])
    expect(t.liveCount).toBe(0)
  })

  it('tells echoes of relay clocks from forged writes', () => {
    const { t } = table()
    const sent = t.commit(alice, 1, A)
    expect(t.classify(bob, { clientId: 1, clock: sent.clock, json: A })).toBe('echo')
    // Below the clocks handed out, with another state: a write (a restarted tab's own clock).
    expect(t.classify(bob, { clientId: 1, clock: sent.clock - 5, json: B })).toBe('taken')
    expect(t.classify(bob, { clientId: 1, clock: sent.clock + 1, json: A })).toBe('echo')
    expect(t.classify(bob, { clientId: 1, clock: sent.clock + 1, json: B })).toBe('taken')
    expect(t.classify(bob, { clientId: 1, clock: sent.clock + 1, json: 'null' })).toBe('forged')
  })

  it('lets the same subject take over only with a clock the relay did not hand out', () => {
    const { t } = table()
    const sent = t.commit(alice, 1, A)
    // A stock provider of the same agent echoing what it received: not a takeover.
    expect(t.classify(aliceAgain, { clientId: 1, clock: sent.clock, json: A })).toBe('echo')
    // The same tab on a new socket, re-announcing with its own small clock.
    expect(t.classify(aliceAgain, { clientId: 1, clock: 3, json: A })).toBe('write')
  })

  it('keeps a released client ID for the agent that claimed it: another agent gets taken', () => {
    const { t } = table()
    const sent = t.commit(alice, 1, A)
    t.release(alice)
    expect(t.classify(bob, { clientId: 1, clock: sent.clock, json: A })).toBe('echo')
    expect(t.classify(bob, { clientId: 1, clock: sent.clock + 1, json: 'null' })).toBe('echo')
    // Above every clock handed out (the release took one more): not an echo.
    expect(t.classify(bob, { clientId: 1, clock: sent.clock + 10, json: B })).toBe('taken')
    expect(t.classify(aliceAgain, { clientId: 1, clock: 2, json: A })).toBe('write')
    expect(t.classify(bob, { clientId: 2, clock: 1, json: 'null' })).toBe('echo')
  })

  it('bounds released claims per agent and per room, oldest first, never live ones', () => {
    const { t } = table()
    // One agent churning fresh IDs pushes out only its own oldest released claims.
    t.commit(bob, 7, B)
    t.release(bob)
    for (let id = 100; id < 100 + MAX_RELEASED_PER_SUBJECT + 10; id++) {
      const tab = { subject: 'alice' }
      t.commit(tab, id, A)
      t.release(tab)
    }
    expect(t.recordCount).toBe(1 + MAX_RELEASED_PER_SUBJECT)
    expect(t.claimOf(100)).toBeUndefined()
    expect(t.claimOf(7)?.subject).toBe('bob')
    expect(t.classify(alice, { clientId: 7, clock: 5_000_000, json: A })).toBe('taken')
    // Across agents, the room's bound; a live record is never dropped.
    t.commit(alice, 1, A)
    for (let i = 0; i < MAX_RELEASED_PER_ROOM + 50; i++) {
      const tab = { subject: `agent${i}` }
      t.commit(tab, 10_000 + i, A)
      t.release(tab)
    }
    expect(t.recordCount).toBe(1 + MAX_RELEASED_PER_ROOM)
    expect(t.isLive(1)).toBe(true)
  })

  it('leaving costs the same after 100k churned client IDs (no walk over released records)', () => {
    const { t } = table()
    const time = (n: number) => {
      const started = performance.now()
      for (let i = 0; i < n; i++) {
        const tab = { subject: `agent${i % 500}` }
        for (let k = 0; k < 4; k++) t.commit(tab, next++, A)
        t.release(tab)
        t.snapshot()
      }
      return performance.now() - started
    }
    let next = 1
    time(100) // warm-up
    const first = time(300)
    time(25_000)
    const last = time(300)
    expect(t.recordCount).toBeLessThanOrEqual(MAX_RELEASED_PER_ROOM)
    // Generous: a walk over the released records per leave costs 10-30 times more by now.
    expect(last).toBeLessThan(first * 4 + 5)
  })

  it('tells what changed after a sequence number, and removals of dropped records', () => {
    const { t } = table()
    t.commit(alice, 1, A)
    t.commit(bob, 2, A)
    const mark = t.seq
    const known = t.liveIds()
    t.commit(bob, 2, B)
    t.commit(bob, 3, A)
    const changed = t.changedSince(mark, alice, known)
    expect(changed.map((e) => [e.clientId, e.json])).toEqual([
      [2, B],
      [3, A],
    ])
    // Alice's own change is never sent back to her.
    t.commit(alice, 1, B)
    expect(t.changedSince(mark, alice, known).map((e) => e.clientId)).toEqual([2, 3])
  })

  it('gives fresh clocks to snapshots and due refreshes, grouped by owner', () => {
    const { t, clock } = table()
    t.commit(alice, 1, A)
    t.commit(bob, 2, B)
    expect(t.takeDue(100).size).toBe(0)
    clock.monoMs = 150
    const due = t.takeDue(100)
    expect([...due.keys()]).toEqual([alice, bob])
    expect(due.get(alice)![0]!.clock).toBeGreaterThan(1_000_000)
    expect(t.takeDue(100).size).toBe(0)
    const snap = t.snapshot()
    expect(snap.map((e) => e.clientId)).toEqual([1, 2])
    expect(snap[0]!.clock).toBeGreaterThan(due.get(alice)![0]!.clock)
  })

  it('refreshes a state that is live again after a sweep found none live (the sweep skips no due state)', () => {
    const { t, clock } = table()
    t.commit(alice, 1, A)
    t.commit(alice, 1, 'null')
    clock.monoMs = 200
    // Nothing live: the scan finds nothing, and nothing would be due until a state is live.
    expect(t.takeDue(100).size).toBe(0)
    t.commit(alice, 1, B)
    clock.monoMs = 300
    expect([...t.takeDue(100).values()].flat().map((e) => e.clientId)).toEqual([1])
  })

  it('refreshes a room in step: once one state is due, every state half as old goes along', () => {
    const { t, clock } = table()
    t.commit(alice, 1, A)
    clock.monoMs = 60
    t.commit(bob, 2, B)
    clock.monoMs = 80
    t.commit(bob, 3, B)
    // Not due before 90 % of the interval (the most jitter can take off), due at 100 %.
    clock.monoMs = 89
    expect(t.takeDue(100).size).toBe(0)
    clock.monoMs = 100
    const due = t.takeDue(100)
    // 2 (40 ms old) and 3 (20 ms old) are under half the interval: 1 goes alone.
    expect([...due.values()].flat().map((e) => e.clientId)).toEqual([1])
    clock.monoMs = 130
    // 2 is now 70 ms old, 3 is 50 ms old: neither due yet on its own.
    expect(t.takeDue(100).size).toBe(0)
    clock.monoMs = 160
    // 2 is due (100 ms); 3 (80 ms old) and 1 (60 ms old) are at least half as old and go along.
    expect([...t.takeDue(100).values()].flat().map((e) => e.clientId)).toEqual([1, 2, 3])
    expect(t.takeDue(100).size).toBe(0)
  })
})
