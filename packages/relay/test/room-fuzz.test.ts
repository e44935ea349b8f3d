/**
 * In-process: whatever bytes a peer sends, Room.receive either handles them or throws a
 * RelayError the connection maps to a close code (never another exception, which would be
 * a 1011), and another room never hears of it.
 */
import {
  encodeAwarenessFrame,
  encodeSignalFrame,
  HEARTBEAT_FRAME,
  type SightlineClaims,
  SignalKind,
} from '@sightline/protocol'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Room, type RoomPeer } from '../src/core/room.js'
import { isRelayError } from '../src/errors.js'
import {
  conflictingInsertsFrame,
  deleteItemsFrame,
  forgedReplyFrame,
  pendingUpdateFrame,
  step1Frame,
  subdocumentsFrame,
} from './doc-frames.js'
import { presence } from './fixtures.js'

function peer(sub: string): RoomPeer & { received: Uint8Array[] } {
  const claims: SightlineClaims = {
    sub,
    name: sub.charAt(0).toUpperCase() + sub.slice(1),
    rooms: ['*'],
    exp: 9e9,
  }
  const received: Uint8Array[] = []
  return { id: sub, subject: sub, claims, received, send: (f) => void received.push(f) }
}

const valid = encodeAwarenessFrame([
  { clientId: 7, clock: 1, json: JSON.stringify(presence('mallory')) },
])
const seeds = [
  valid,
  HEARTBEAT_FRAME,
  Uint8Array.of(3),
  Uint8Array.of(0, 0, 1, 0),
  Uint8Array.of(0, 2, 2, 0, 0),
  encodeSignalFrame(SignalKind.ReplySent),
  // Document traffic: every kind of hostile Yjs update, and sync step 1.
  conflictingInsertsFrame(8),
  pendingUpdateFrame(99, 6),
  subdocumentsFrame(3),
  forgedReplyFrame({ userId: 'bob', name: 'Bob', at: 1, clientId: 1 }),
  deleteItemsFrame(12345, 3),
  step1Frame(),
]

/** What Room.receive may throw: each maps to a documented close code in connection.ts. */
const DOCUMENTED = ['bad_frame', 'identity_mismatch', 'read_only', 'signal_without_state']

const frames = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc
    .tuple(fc.constantFrom(...seeds), fc.nat(), fc.integer({ min: 0, max: 255 }))
    .map(([seed, at, byte]) => {
      const copy = Uint8Array.from(seed)
      if (copy.length > 0) copy[at % copy.length] = byte
      return copy
    }),
  fc
    .tuple(fc.constantFrom(...seeds), fc.nat())
    .map(([seed, cut]) => seed.slice(0, cut % (seed.length + 1))),
)

describe('Room.receive on arbitrary bytes', () => {
  it('throws only RelayErrors and leaves other rooms untouched', () => {
    const quiet = new Room('mailbox/2')
    const watcher = peer('watcher')
    quiet.join(watcher)
    const before = watcher.received.length
    fc.assert(
      fc.property(frames, (bytes) => {
        const room = new Room('mailbox/1')
        const mallory = peer('mallory')
        const other = peer('other')
        room.join(mallory)
        room.join(other)
        try {
          room.receive(mallory, bytes)
        } catch (error) {
          expect(DOCUMENTED.some((code) => isRelayError(error, code as never))).toBe(true)
        } finally {
          room.destroy()
        }
      }),
      { numRuns: 3000 },
    )
    expect(watcher.received.length).toBe(before)
  })
})
