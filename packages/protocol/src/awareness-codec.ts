/**
 * Awareness updates, read and written without an Awareness instance, so the relay can check
 * and forward entries without decoding states it does not need to.
 *
 * An awareness frame is `[varUint 1][varUint8Array update]`, and the update is
 *
 *   [varUint entryCount] entryCount x ( [varUint clientID] [varUint clock] [varString stateJSON] )
 *
 * where stateJSON is the JSON text of the state, or `null` for "this client left".
 * A Sightline heartbeat is an awareness frame whose update has zero entries (3 bytes:
 * `01 01 00`); stock y-websocket clients apply it as a no-op.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { MessageType } from './message-type.js'

export interface AwarenessEntry {
  readonly clientId: number
  readonly clock: number
  /** The state's JSON text exactly as received ("null" for a removal). */
  readonly json: string
}

/** Reads the entries of an awareness update (the inner byte array). Throws on malformed input. */
export function readAwarenessUpdate(update: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update)
  const count = decoding.readVarUint(decoder)
  // Each entry takes at least three bytes: a cheap guard against absurd counts.
  if (count > update.length) throw new RangeError('awareness entry count exceeds frame size')
  const entries: AwarenessEntry[] = []
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder)
    const clock = decoding.readVarUint(decoder)
    const json = decoding.readVarString(decoder)
    entries.push({ clientId, clock, json })
  }
  if (decoding.hasContent(decoder)) throw new RangeError('trailing bytes after awareness update')
  return entries
}

/** Writes an awareness update (the inner byte array) holding `entries`. */
export function writeAwarenessUpdate(
  encoder: encoding.Encoder,
  entries: readonly AwarenessEntry[],
) {
  encoding.writeVarUint(encoder, entries.length)
  for (const e of entries) {
    encoding.writeVarUint(encoder, e.clientId)
    encoding.writeVarUint(encoder, e.clock)
    encoding.writeVarString(encoder, e.json)
  }
}

/** A whole awareness frame (type byte included) carrying `entries`. */
export function encodeAwarenessFrame(entries: readonly AwarenessEntry[]): Uint8Array {
  const inner = encoding.createEncoder()
  writeAwarenessUpdate(inner, entries)
  const outer = encoding.createEncoder()
  encoding.writeVarUint(outer, MessageType.Awareness)
  encoding.writeVarUint8Array(outer, encoding.toUint8Array(inner))
  return encoding.toUint8Array(outer)
}

/**
 * One entry as it appears in an update, for frames assembled from entries encoded once
 * (`awarenessFrameOf`): a room that sends the same changes to many receivers, each without
 * its own, encodes each state once instead of once per frame.
 */
export function encodeAwarenessEntry(entry: AwarenessEntry): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entry.clientId)
  encoding.writeVarUint(encoder, entry.clock)
  encoding.writeVarString(encoder, entry.json)
  return encoding.toUint8Array(encoder)
}

/** Bytes a varUint of `n` takes. */
function varUintLength(n: number): number {
  let length = 1
  for (let rest = n; rest > 0x7f; rest = Math.floor(rest / 128)) length++
  return length
}

/**
 * A whole awareness frame of entries encoded by `encodeAwarenessEntry`: the same bytes as
 * `encodeAwarenessFrame` of those entries.
 */
export function awarenessFrameOf(encoded: readonly Uint8Array[]): Uint8Array {
  let updateLength = varUintLength(encoded.length)
  for (const entry of encoded) updateLength += entry.byteLength
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Awareness)
  encoding.writeVarUint(encoder, updateLength)
  encoding.writeVarUint(encoder, encoded.length)
  for (const entry of encoded) encoding.writeUint8Array(encoder, entry)
  return encoding.toUint8Array(encoder)
}

/** The 3-byte heartbeat frame: an awareness update with no entries. */
export const HEARTBEAT_FRAME: Uint8Array = encodeAwarenessFrame([])

/** True when `frame` is exactly a heartbeat. */
export function isHeartbeatFrame(frame: Uint8Array): boolean {
  return frame.length === 3 && frame[0] === 1 && frame[1] === 1 && frame[2] === 0
}
