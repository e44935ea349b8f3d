/**
 * Decoding of what a client sends. A frame is `[varUint type][payload]`:
 *
 *   0 sync:            [varUint 0 step1][varUint8Array stateVector]
 *                      [varUint 1 step2 | 2 update][varUint8Array update]
 *   1 awareness:       [varUint8Array update]  (zero entries = heartbeat)
 *   3 query-awareness: nothing
 *   100 signal:        [varUint kind]  (see @sightline/protocol signal.ts)
 *
 * Anything else, trailing bytes, a truncated payload or an entry whose state is not JSON
 * is a malformed frame: RelayError `bad_frame`, which closes the socket with 4400.
 */
import {
  type AwarenessEntry,
  MessageType,
  readAwarenessUpdate,
  readSignal,
  type SignalKind,
} from '@sightline/protocol'
import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import { RelayError, RelayErrorCode } from './errors.js'

/** An awareness entry with its state parsed (`null` for a removal). */
export interface ParsedEntry extends AwarenessEntry {
  readonly value: unknown
}

export type InboundFrame =
  | { readonly kind: 'sync-step1'; readonly stateVector: Uint8Array }
  | { readonly kind: 'sync-update'; readonly update: Uint8Array }
  | { readonly kind: 'awareness'; readonly entries: readonly ParsedEntry[] }
  | { readonly kind: 'query-awareness' }
  | { readonly kind: 'signal'; readonly signal: SignalKind }

/** Decodes one inbound frame; throws RelayError `bad_frame` when it is malformed. */
export function decodeFrame(bytes: Uint8Array): InboundFrame {
  try {
    return decode(bytes)
  } catch (cause) {
    if (cause instanceof RelayError) throw cause
    throw new RelayError(RelayErrorCode.BadFrame, `malformed frame: ${message(cause)}`, { cause })
  }
}

function decode(bytes: Uint8Array): InboundFrame {
  const decoder = decoding.createDecoder(bytes)
  const type = decoding.readVarUint(decoder)
  let frame: InboundFrame
  switch (type) {
    case MessageType.Sync: {
      const step = decoding.readVarUint(decoder)
      const payload = decoding.readVarUint8Array(decoder)
      if (step === syncProtocol.messageYjsSyncStep1)
        frame = { kind: 'sync-step1', stateVector: payload }
      else if (
        step === syncProtocol.messageYjsSyncStep2 ||
        step === syncProtocol.messageYjsUpdate
      ) {
        frame = { kind: 'sync-update', update: payload }
      } else throw bad(`unknown sync message type ${step}`)
      break
    }
    case MessageType.Awareness: {
      const entries = readAwarenessUpdate(decoding.readVarUint8Array(decoder)).map(parseEntry)
      frame = { kind: 'awareness', entries }
      break
    }
    case MessageType.QueryAwareness:
      frame = { kind: 'query-awareness' }
      break
    case MessageType.Signal:
      frame = { kind: 'signal', signal: readSignal(decoder) }
      break
    default:
      throw bad(`unknown message type ${type}`)
  }
  if (decoding.hasContent(decoder)) throw bad('trailing bytes after frame')
  return frame
}

function parseEntry(entry: AwarenessEntry): ParsedEntry {
  let value: unknown
  try {
    value = JSON.parse(entry.json)
  } catch (cause) {
    throw new RelayError(RelayErrorCode.BadFrame, 'awareness state is not JSON', { cause })
  }
  // A removal is always spelled "null" from here on, whatever whitespace it came with.
  return value === null ? { ...entry, json: 'null', value } : { ...entry, value }
}

function bad(text: string): RelayError {
  return new RelayError(RelayErrorCode.BadFrame, `malformed frame: ${text}`)
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
