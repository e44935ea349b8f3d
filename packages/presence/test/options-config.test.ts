/**
 * Client configuration: every interval of the presence client is an
 * option, an invalid value is refused at creation with an error naming the option, and the
 * README states each option with its default.
 */
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { defaultPresenceOptions, resolveRenewInterval, resolveTimings } from '../src/options.js'

const base = { url: 'ws://127.0.0.1:1', room: 'mailbox/1/conversation/1', token: 'x' }
const names = Object.keys(defaultPresenceOptions) as (keyof typeof defaultPresenceOptions)[]

describe('presence client options', () => {
  it('the defaults follow the contract table', () => {
    expect(defaultPresenceOptions).toEqual({
      heartbeatIntervalMs: 7000,
      livenessTimeoutMs: 10_000,
      idleTimeoutMs: 300_000,
      reconnectMinDelayMs: 250,
      reconnectMaxDelayMs: 5000,
    })
  })

  it.each(names)('%s is configurable', (name) => {
    const value = name === 'heartbeatIntervalMs' || name === 'reconnectMinDelayMs' ? 1000 : 9000
    expect(resolveTimings({ ...base, [name]: value })[name]).toBe(value)
  })

  it.each(
    names.flatMap((name) => [0, -5, Number.NaN, Number.POSITIVE_INFINITY].map((v) => [name, v])),
  )('refuses %s = %s, naming it', (name, value) => {
    expect(() => resolveTimings({ ...base, [name]: value })).toThrow(String(name))
  })

  it('refuses relations that would break liveness or backoff, naming both options', () => {
    expect(() => resolveTimings({ ...base, heartbeatIntervalMs: 10_000 })).toThrow(
      /heartbeatIntervalMs.*livenessTimeoutMs/,
    )
    expect(() => resolveTimings({ ...base, reconnectMinDelayMs: 6000 })).toThrow(
      /reconnectMinDelayMs.*reconnectMaxDelayMs/,
    )
  })

  it('renewIntervalMs is off (0) by default, configurable, and refuses negative or non-finite values', () => {
    expect(resolveRenewInterval(base)).toBe(0)
    expect(resolveRenewInterval({ ...base, renewIntervalMs: 15_000 })).toBe(15_000)
    for (const value of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => resolveRenewInterval({ ...base, renewIntervalMs: value })).toThrow(
        'renewIntervalMs',
      )
    }
  })

  it('the README names every client option with its default', async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8')
    for (const name of names) {
      expect(readme).toContain(`\`${name}\` ${defaultPresenceOptions[name]}`)
    }
  })
})
