// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { describeChanges } from '../src/announcements.js'
import { avatarHue, initials } from '../src/avatar.js'
import { formatDuration } from '../src/relative-time.js'
import { joinNames } from '../src/viewer-text.js'
import { viewer } from './fixtures.js'

describe('formatDuration', () => {
  it('uses the largest whole unit', () => {
    expect(formatDuration(0)).toBe('0 s')
    expect(formatDuration(20_400)).toBe('20 s')
    expect(formatDuration(59_999)).toBe('59 s')
    expect(formatDuration(60_000)).toBe('1 min')
    expect(formatDuration(3 * 60_000 + 59_000)).toBe('3 min')
    expect(formatDuration(2 * 3_600_000 + 1)).toBe('2 h')
    expect(formatDuration(49 * 3_600_000)).toBe('2 d')
  })

  it('reads a future time (clock skew) or garbage as 0 s', () => {
    expect(formatDuration(-5_000)).toBe('0 s')
    expect(formatDuration(Number.NaN)).toBe('0 s')
  })
})

describe('initials', () => {
  it('takes the first letters of the first and last words', () => {
    expect(initials('Bob Smith')).toBe('BS')
    expect(initials('  carol  ann   jones ')).toBe('CJ')
    expect(initials('dave')).toBe('D')
    expect(initials('   ')).toBe('?')
    expect(initials('Émile Zola')).toBe('ÉZ')
  })

  it('gives each id a stable hue', () => {
    expect(avatarHue('u1')).toBe(avatarHue('u1'))
    expect(avatarHue('u1')).not.toBe(avatarHue('u2'))
    expect(avatarHue('x'.repeat(500))).toBeGreaterThanOrEqual(0)
    expect(avatarHue('x'.repeat(500))).toBeLessThan(360)
  })

  it('joins names in prose', () => {
    expect(joinNames([])).toBe('')
    expect(joinNames(['Bob'])).toBe('Bob')
    expect(joinNames(['Bob', 'Carol'])).toBe('Bob and Carol')
    expect(joinNames(['Bob', 'Carol', 'Dave'])).toBe('Bob, Carol, and Dave')
  })
})

describe('describeChanges', () => {
  const bob = viewer('b', 'Bob', { since: 1 })
  const carol = viewer('c', 'Carol', { since: 2 })

  it('says nothing when nothing changed', () => {
    expect(describeChanges([bob, carol], [bob, carol])).toEqual([])
    expect(describeChanges([], [])).toEqual([])
  })

  it('announces joins, activity and away changes, and leaves', () => {
    expect(describeChanges([], [bob])).toEqual(['Bob joined'])
    expect(describeChanges([bob], [{ ...bob, activity: 'replying' }])).toEqual([
      'Bob started replying',
    ])
    expect(describeChanges([{ ...bob, activity: 'replying' }], [bob])).toEqual([
      'Bob stopped replying',
    ])
    expect(describeChanges([bob], [{ ...bob, away: true }])).toEqual(['Bob is away'])
    expect(describeChanges([{ ...bob, away: true }], [bob])).toEqual(['Bob is back'])
    expect(describeChanges([bob, carol], [bob])).toEqual(['Carol left'])
  })

  it('announces what a newcomer is already doing, and several changes in order', () => {
    expect(describeChanges([], [{ ...bob, activity: 'replying', away: true }])).toEqual([
      'Bob joined',
      'Bob started replying',
      'Bob is away',
    ])
    expect(describeChanges([bob], [{ ...carol, activity: 'replying' }])).toEqual([
      'Carol joined',
      'Carol started replying',
      'Bob left',
    ])
  })

  it('ignores a change of since or tab count alone', () => {
    expect(describeChanges([bob], [{ ...bob, since: 99, tabs: 3 }])).toEqual([])
  })
})
