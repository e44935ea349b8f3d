/** The bus codec between relay nodes: every message round-trips; malformed bytes throw. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BUS_VERSION,
  BusKind,
  type BusMessage,
  encodeBusMessage,
  readBusMessage,
  roomChannel,
} from '../src/index.js'

const text = fc.string({ maxLength: 40 })
const message: fc.Arbitrary<BusMessage> = fc.oneof(
  fc.constant({ kind: BusKind.Heartbeat } as const),
  fc.constant({ kind: BusKind.Goodbye } as const),
  fc.record({
    kind: fc.constant(BusKind.States),
    room: text,
    states: fc.array(
      fc.record({ clientId: fc.nat(), json: text, subject: text, claimedAt: fc.nat() }),
      { maxLength: 5 },
    ),
  }),
  fc.record({ kind: fc.constant(BusKind.Query), room: text }),
  fc.record({
    kind: fc.constant(BusKind.Replies),
    room: text,
    entries: fc.array(text, { maxLength: 5 }),
  }),
)

describe('bus messages', () => {
  it('round-trip with their sender', () => {
    fc.assert(
      fc.property(text, fc.nat(), message, (nodeId, epoch, m) => {
        expect(readBusMessage(encodeBusMessage(nodeId, epoch, m))).toEqual({
          nodeId,
          epoch,
          message: m,
        })
      }),
    )
  })

  it('refuse unknown versions and kinds, trailing bytes and truncation', () => {
    const ok = encodeBusMessage('a', 1, { kind: BusKind.Query, room: 'mailbox/1' })
    // Version 1 (states without subject and claim) and any newer one are refused.
    expect(() => readBusMessage(Uint8Array.from([1, ...ok.slice(1)]))).toThrow(/version/)
    expect(() => readBusMessage(Uint8Array.from([3, ...ok.slice(1)]))).toThrow(/version/)
    expect(() => readBusMessage(Uint8Array.of(BUS_VERSION, 1, 97, 1, 9))).toThrow(/kind 9/)
    expect(() => readBusMessage(Uint8Array.from([...ok, 0]))).toThrow(/trailing/)
    expect(() => readBusMessage(ok.slice(0, ok.length - 2))).toThrow()
  })

  it('puts a mailbox list and its conversations on one channel, other rooms on their own', () => {
    expect(roomChannel('s', 'mailbox/7')).toBe('s:m:7')
    expect(roomChannel('s', 'mailbox/7/conversation/42')).toBe('s:m:7')
    expect(roomChannel('s', 'team/alpha')).toBe('s:r:team/alpha')
    expect(roomChannel('s', '../x')).toBeNull()
  })
})
