import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  encodeAwarenessFrame,
  encodeAwarenessUpdateFrame,
  encodeSignalFrame,
  encodeSyncStep1Frame,
  encodeSyncStep2Frame,
  encodeSyncUpdateFrame,
  HEARTBEAT_FRAME,
  MessageType,
  QUERY_AWARENESS_FRAME,
  readAwarenessUpdate,
  readFrame,
  readFrameType,
  SignalKind,
  SyncStep,
} from '../src/index.js'

describe('frames', () => {
  it('writes sync frames byte for byte as y-protocols does', () => {
    // [type 0][step][varUint8Array payload]
    expect([...encodeSyncStep1Frame(Uint8Array.of(0))]).toEqual([0, 0, 1, 0])
    expect([...encodeSyncStep2Frame(Uint8Array.of(0, 0))]).toEqual([0, 1, 2, 0, 0])
    expect([...encodeSyncUpdateFrame(Uint8Array.of(7, 8, 9))]).toEqual([0, 2, 3, 7, 8, 9])
  })

  it('reads back every frame it writes', () => {
    const payload = Uint8Array.of(1, 2, 3)
    expect(readFrame(encodeSyncStep1Frame(payload))).toEqual({
      kind: 'sync',
      step: SyncStep.Step1,
      payload,
    })
    expect(readFrame(encodeSyncStep2Frame(payload))).toMatchObject({ step: SyncStep.Step2 })
    expect(readFrame(encodeSyncUpdateFrame(payload))).toMatchObject({ step: SyncStep.Update })
    expect(readFrame(QUERY_AWARENESS_FRAME)).toEqual({ kind: 'query-awareness' })
    expect(readFrame(encodeSignalFrame(SignalKind.ReplySent))).toEqual({
      kind: 'signal',
      signal: SignalKind.ReplySent,
    })
    const entries = [{ clientId: 5, clock: 2, json: '{"a":1}' }]
    const awareness = readFrame(encodeAwarenessFrame(entries))
    if (awareness.kind !== 'awareness') throw new Error(`read as ${awareness.kind}`)
    expect(readAwarenessUpdate(awareness.update)).toEqual(entries)
    const heartbeat = readFrame(HEARTBEAT_FRAME)
    if (heartbeat.kind !== 'awareness') throw new Error(`read as ${heartbeat.kind}`)
    expect(encodeAwarenessUpdateFrame(heartbeat.update)).toEqual(HEARTBEAT_FRAME)
  })

  it('names the type of a frame without reading it', () => {
    expect(readFrameType(HEARTBEAT_FRAME)).toBe(MessageType.Awareness)
    expect(readFrameType(encodeSyncUpdateFrame(Uint8Array.of()))).toBe(MessageType.Sync)
  })

  it('leaves types it does not read to the caller', () => {
    expect(readFrame(Uint8Array.of(MessageType.Auth, 9, 9))).toEqual({ kind: 'other', type: 2 })
  })

  it.each([
    ['an unknown sync step', [0, 3, 0]],
    ['a truncated payload', [0, 2, 5, 1, 2]],
    ['trailing bytes', [0, 2, 1, 7, 0]],
    ['trailing bytes after a query', [3, 0]],
    ['an unknown signal', [100, 9]],
    ['nothing at all', []],
  ])('refuses %s', (_, bytes) => {
    expect(() => readFrame(Uint8Array.from(bytes))).toThrow()
  })

  it('refuses a payload that runs past the frame even inside a larger buffer', () => {
    // Frames from `ws` are often views into a pooled buffer: the bytes after them are not theirs.
    const pool = Uint8Array.of(0, 2, 5, 1, 2, 3, 4, 5)
    expect(() => readFrame(pool.subarray(0, 5))).toThrow()
  })

  it('never throws anything but an Error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 32 }), (bytes) => {
        let thrown: unknown = null
        try {
          readFrame(bytes)
        } catch (e) {
          thrown = e
        }
        expect(thrown === null || thrown instanceof Error).toBe(true)
      }),
    )
  })
})
