import fc from 'fast-check'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import {
  type AwarenessEntry,
  awarenessFrameOf,
  ClientCloseCode,
  CloseCode,
  closeAction,
  encodeAwarenessEntry,
  encodeAwarenessFrame,
  HEARTBEAT_FRAME,
  isHeartbeatFrame,
  MessageType,
  readAwarenessUpdate,
  writeAwarenessUpdate,
} from '../src/index.js'

const entryFields = {
  clientId: fc.nat({ max: 2 ** 32 - 1 }),
  clock: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  json: fc.oneof(fc.constant('null'), fc.json()),
}
const entry = fc.record(entryFields)

describe('awareness codec', () => {
  it('round-trips any entries', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), (entries) => {
        const enc = encoding.createEncoder()
        writeAwarenessUpdate(enc, entries)
        expect(readAwarenessUpdate(encoding.toUint8Array(enc))).toEqual(entries)
      }),
    )
  })

  it('assembles from entries encoded once the same bytes as encoding them together', () => {
    // Long JSON too: an update past 127 and 16,383 bytes takes a longer length prefix.
    const long = fc.string({ minLength: 100, maxLength: 20_000 }).map((t) => JSON.stringify(t))
    const any = fc.record({ ...entryFields, json: fc.oneof(entryFields.json, long) })
    fc.assert(
      fc.property(fc.array(any, { maxLength: 200 }), (entries) => {
        const assembled = awarenessFrameOf(entries.map(encodeAwarenessEntry))
        expect(assembled).toEqual(encodeAwarenessFrame(entries))
      }),
      { numRuns: 200 },
    )
    // More than 127 entries: the count itself takes two bytes.
    const many = Array.from({ length: 300 }, (_, i) => ({ clientId: i, clock: 1, json: 'null' }))
    expect(awarenessFrameOf(many.map(encodeAwarenessEntry))).toEqual(encodeAwarenessFrame(many))
  })

  it('wraps an update in an awareness frame', () => {
    const frame = encodeAwarenessFrame([{ clientId: 7, clock: 3, json: 'null' }])
    const dec = decoding.createDecoder(frame)
    expect(decoding.readVarUint(dec)).toBe(MessageType.Awareness)
    expect(readAwarenessUpdate(decoding.readVarUint8Array(dec))).toEqual([
      { clientId: 7, clock: 3, json: 'null' },
    ])
  })

  it('throws, never loops, on truncated or mutated updates', () => {
    // Valid updates, cut short or with one byte changed, and random bytes: the decoder either
    // throws or returns entries that fit the bytes (each entry takes at least three bytes).
    const valid = fc.array(entry, { maxLength: 4 }).map((entries) => {
      const enc = encoding.createEncoder()
      writeAwarenessUpdate(enc, entries)
      return encoding.toUint8Array(enc)
    })
    const mutated = fc
      .tuple(valid, fc.nat(), fc.nat({ max: 255 }), fc.boolean())
      .map(([bytes, at, value, truncate]) => {
        if (bytes.length === 0) return bytes
        const i = at % bytes.length
        if (truncate) return bytes.slice(0, i)
        const copy = bytes.slice()
        copy[i] = value
        return copy
      })
    let decoded = 0
    fc.assert(
      fc.property(fc.oneof(valid, mutated, fc.uint8Array({ maxLength: 64 })), (bytes) => {
        let entries: AwarenessEntry[]
        try {
          entries = readAwarenessUpdate(bytes)
        } catch (e) {
          // Only the decoder's own errors land here: the assertion below is outside the try.
          expect(e).toBeInstanceOf(Error)
          return
        }
        decoded++
        expect(1 + 3 * entries.length).toBeLessThanOrEqual(bytes.length)
      }),
      { numRuns: 5000 },
    )
    // The property above checked decoded updates, not only thrown errors.
    expect(decoded).toBeGreaterThan(1000)
  })

  it('knows the 3-byte heartbeat', () => {
    expect([...HEARTBEAT_FRAME]).toEqual([1, 1, 0])
    expect(isHeartbeatFrame(HEARTBEAT_FRAME)).toBe(true)
    expect(isHeartbeatFrame(encodeAwarenessFrame([{ clientId: 1, clock: 1, json: 'null' }]))).toBe(
      false,
    )
  })
})

describe('close codes', () => {
  it('steers reconnects', () => {
    expect(closeAction(CloseCode.BadToken)).toBe('refresh-token')
    expect(closeAction(CloseCode.Forbidden)).toBe('stop')
    expect(closeAction(CloseCode.BadRoom)).toBe('stop')
    expect(closeAction(CloseCode.RateLimited)).toBe('retry')
    expect(closeAction(CloseCode.Restarting)).toBe('retry')
    expect(closeAction(ClientCloseCode.ConnectionLost)).toBe('retry')
  })
})
