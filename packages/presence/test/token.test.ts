import { mintToken } from '@sightline/testkit'
import { describe, expect, it } from 'vitest'
import { PresenceError } from '../src/errors.js'
import { refreshDelay, tokenExpiry, tokenUser } from '../src/token.js'
import { fakeToken } from './fake-network.js'

describe('token claims', () => {
  it('reads the user from sub, name and avatar (UTF-8 names included)', () => {
    const token = mintToken({ sub: 'a1', name: 'Zoë Ørsted', avatar: 'https://x/a.png' })
    expect(tokenUser(token)).toEqual({ id: 'a1', name: 'Zoë Ørsted', avatar: 'https://x/a.png' })
    expect(tokenUser(fakeToken({ sub: 'b', name: 'Bob' }))).toEqual({ id: 'b', name: 'Bob' })
  })

  it('refuses tokens without a user', () => {
    expect(() => tokenUser('nonsense')).toThrow(PresenceError)
    expect(() => tokenUser(fakeToken({ name: 'x' }))).toThrow(/sub/)
    expect(() => tokenUser(fakeToken({ sub: 'x' }))).toThrow(/name/)
  })

  it('reads exp as ms since the epoch', () => {
    expect(tokenExpiry(fakeToken({ sub: 'a', name: 'A', exp: 100 }))).toBe(100_000)
    expect(tokenExpiry(fakeToken({ sub: 'a', name: 'A' }))).toBeNull()
    expect(tokenExpiry('garbage')).toBeNull()
  })

  it('refreshes one minute ahead for long tokens and at 80% for short ones', () => {
    expect(refreshDelay(3_600_000, 0)).toBe(3_540_000)
    expect(refreshDelay(10_000, 0)).toBe(8_000)
    expect(refreshDelay(1000, 5000)).toBe(0)
  })
})
