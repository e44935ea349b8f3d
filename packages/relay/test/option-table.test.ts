/**
 * The settings table is the one source of every setting: the defaults, their types and the
 * texts derived from it must agree with its rows, and a number a description names must be
 * the one the code applies.
 */
import { describe, expect, it } from 'vitest'
import { flags } from '../src/config/cli-args.js'
import { DEFAULT_LOG_LEVEL, DEFAULT_SHUTDOWN_TIMEOUT_MS } from '../src/config/env-config.js'
import { HOLD_BUFFER_BYTES, problemOf, SETTINGS, settingNamed } from '../src/config/option-table.js'
import { DEFAULT_OPTIONS, resolveOptions } from '../src/config/options.js'

describe('the settings table', () => {
  it('gives DEFAULT_OPTIONS exactly the defaults of its option rows', () => {
    const expected = Object.fromEntries(
      SETTINGS.flatMap((s) => ('option' in s && 'default' in s ? [[s.option, s.default]] : [])),
    )
    expect(DEFAULT_OPTIONS).toEqual(expected)
    expect(Object.isFrozen(DEFAULT_OPTIONS)).toBe(true)
  })

  it('has defaults its own bounds accept', () => {
    for (const s of SETTINGS) {
      if (!('default' in s)) continue
      expect(problemOf(s.kind, s.default), s.variable).toBeNull()
    }
  })

  it('resolves a configuration from its defaults alone (plus a secret)', () => {
    const o = resolveOptions({ jwtSecret: 'x'.repeat(32) })
    for (const [option, value] of Object.entries(DEFAULT_OPTIONS)) {
      expect(o[option as keyof typeof o], option).toBe(value)
    }
  })

  it('gives the CLI its own defaults', () => {
    expect(DEFAULT_LOG_LEVEL).toBe(settingNamed('SIGHTLINE_LOG_LEVEL').default)
    expect(DEFAULT_SHUTDOWN_TIMEOUT_MS).toBe(settingNamed('SIGHTLINE_SHUTDOWN_TIMEOUT_MS').default)
  })

  it('gives every flag its row', () => {
    expect(flags().map((f) => f.setting)).toEqual([...SETTINGS])
  })

  it('names the hold threshold the connection applies', () => {
    expect(settingNamed('SIGHTLINE_MAX_SEND_BUFFER_BYTES').description).toContain(
      `held at ${HOLD_BUFFER_BYTES / 1024} KiB`,
    )
  })

  it('writes no default into a description (the default column says it)', () => {
    for (const s of SETTINGS) {
      if (!('default' in s) || typeof s.default !== 'number') continue
      expect(s.description, s.variable).not.toMatch(new RegExp(`default:? ${s.default}\\b`))
    }
  })
})
