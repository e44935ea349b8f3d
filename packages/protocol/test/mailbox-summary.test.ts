import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  foldViewers,
  type MailboxSummary,
  mailboxSummaryJson,
  type PresenceState,
  readMailboxSummary,
} from '../src/index.js'

const state = (id: string, activity: 'viewing' | 'replying', since: number): PresenceState => ({
  user: { id, name: id.toUpperCase() },
  activity,
  away: false,
  since,
})

describe('readMailboxSummary', () => {
  it('reads back what mailboxSummaryJson writes', () => {
    const summary: MailboxSummary = {
      conversation: '42',
      viewers: foldViewers([state('bob', 'viewing', 2), state('ann', 'replying', 5)]),
    }
    expect(readMailboxSummary(JSON.parse(mailboxSummaryJson(summary)))).toEqual(summary)
  })

  it('keeps only known fields', () => {
    const value = {
      conversation: 'c1',
      extra: true,
      viewers: [{ ...state('ann', 'viewing', 1), tabs: 2, colour: 'red' }],
    }
    expect(readMailboxSummary(value)).toEqual({
      conversation: 'c1',
      viewers: [{ ...state('ann', 'viewing', 1), tabs: 2 }],
    })
  })

  it('accepts a summary with no viewers', () => {
    expect(readMailboxSummary({ conversation: '7', viewers: [] })).toEqual({
      conversation: '7',
      viewers: [],
    })
  })

  it.each([
    ['null', null],
    ['a presence state', state('ann', 'viewing', 1)],
    ['no conversation', { viewers: [] }],
    ['an empty conversation', { conversation: '', viewers: [] }],
    ['a numeric conversation', { conversation: 7, viewers: [] }],
    ['a long conversation', { conversation: 'x'.repeat(65), viewers: [] }],
    ['viewers not an array', { conversation: '7', viewers: {} }],
    ['a viewer without tabs', { conversation: '7', viewers: [state('ann', 'viewing', 1)] }],
    [
      'a viewer with zero tabs',
      { conversation: '7', viewers: [{ ...state('ann', 'viewing', 1), tabs: 0 }] },
    ],
    [
      'a viewer with a bad activity',
      {
        conversation: '7',
        viewers: [{ ...state('ann', 'viewing', 1), activity: 'typing', tabs: 1 }],
      },
    ],
  ])('refuses %s', (_, value) => {
    expect(readMailboxSummary(value)).toBeNull()
  })

  it('never throws on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(() => readMailboxSummary(value)).not.toThrow()
      }),
    )
  })

  it('accepts every well-formed summary, and nothing else in it survives', () => {
    const viewer = fc.record({
      user: fc.record({
        id: fc.string({ minLength: 1, maxLength: 16 }),
        name: fc.string({ minLength: 1, maxLength: 16 }),
      }),
      activity: fc.constantFrom('viewing' as const, 'replying' as const),
      away: fc.boolean(),
      since: fc.nat(),
      tabs: fc.integer({ min: 1, max: 9 }),
    })
    const summary = fc.record({
      conversation: fc.string({ minLength: 1, maxLength: 64 }),
      viewers: fc.array(viewer, { maxLength: 5 }),
    })
    fc.assert(
      fc.property(summary, fc.jsonValue(), (value, extra) => {
        // Every generated summary is valid, so this assertion runs on every case.
        expect(readMailboxSummary({ ...value, extra })).toEqual(value)
      }),
    )
  })
})
