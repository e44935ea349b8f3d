import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { foldViewers, type PresenceState, readPresenceState } from '../src/index.js'

const state = (
  id: string,
  activity: 'viewing' | 'replying',
  away: boolean,
  since: number,
): PresenceState => ({ user: { id, name: id.toUpperCase() }, activity, away, since })

describe('foldViewers', () => {
  it('gives one entry per agent with the strongest activity and its earliest since', () => {
    const viewers = foldViewers([
      state('bob', 'viewing', false, 10),
      state('bob', 'replying', true, 30),
      state('bob', 'replying', true, 20),
    ])
    expect(viewers).toEqual([
      { user: { id: 'bob', name: 'BOB' }, activity: 'replying', away: false, since: 20, tabs: 3 },
    ])
  })

  it('is away only if every tab is away', () => {
    expect(
      foldViewers([state('a', 'viewing', true, 1), state('a', 'viewing', true, 2)])[0]?.away,
    ).toBe(true)
    expect(
      foldViewers([state('a', 'viewing', true, 1), state('a', 'viewing', false, 2)])[0]?.away,
    ).toBe(false)
  })

  it('orders replying first, then earlier since, then id, and excludes the local user', () => {
    const viewers = foldViewers(
      [
        state('carol', 'viewing', false, 5),
        state('me', 'replying', false, 1),
        state('bob', 'replying', false, 9),
        state('alice', 'replying', false, 3),
        state('dave', 'viewing', false, 5),
      ],
      { excludeUserId: 'me' },
    )
    expect(viewers.map((v) => v.user.id)).toEqual(['alice', 'bob', 'carol', 'dave'])
  })

  it('does not depend on the order states arrive in (every tab agrees)', () => {
    const arb = fc.array(
      fc.record({
        id: fc.constantFrom('a', 'b', 'c'),
        activity: fc.constantFrom('viewing' as const, 'replying' as const),
        away: fc.boolean(),
        since: fc.integer({ min: 0, max: 50 }),
      }),
      { maxLength: 12 },
    )
    fc.assert(
      fc.property(arb, (rows) => {
        const states = rows.map((r) => state(r.id, r.activity, r.away, r.since))
        const reversed = [...states].reverse()
        // user objects differ only by reference; compare on the visible fields
        const key = (s: PresenceState[]) =>
          foldViewers(s).map((v) => [v.user.id, v.activity, v.away, v.since, v.tabs])
        expect(key(reversed)).toEqual(key(states))
      }),
    )
  })
})

describe('readPresenceState', () => {
  it('keeps only known fields of a valid state', () => {
    expect(
      readPresenceState({
        user: { id: 'b', name: 'Bob', avatar: 'https://x/a.png', extra: 1 },
        activity: 'replying',
        away: false,
        since: 5,
        cursor: 'ignored',
      }),
    ).toEqual({
      user: { id: 'b', name: 'Bob', avatar: 'https://x/a.png' },
      activity: 'replying',
      away: false,
      since: 5,
    })
  })

  it.each([
    null,
    'x',
    {},
    { user: { id: '', name: 'B' }, activity: 'viewing', away: false, since: 1 },
    { user: { id: 'b', name: 'B' }, activity: 'typing', away: false, since: 1 },
    { user: { id: 'b', name: 'B' }, activity: 'viewing', away: 'no', since: 1 },
    { user: { id: 'b', name: 'B' }, activity: 'viewing', away: false, since: -1 },
    { user: { id: 'b', name: 'B', avatar: 3 }, activity: 'viewing', away: false, since: 1 },
    { user: { id: 'b'.repeat(129), name: 'B' }, activity: 'viewing', away: false, since: 1 },
  ])('refuses %j', (value) => {
    expect(readPresenceState(value)).toBeNull()
  })
})
