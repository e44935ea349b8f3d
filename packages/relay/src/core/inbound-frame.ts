/**
 * What the relay makes of what a client sends. The wire format and its reader are
 * `@sightline/protocol` frames.ts; here a frame becomes what the room acts on, with awareness
 * states parsed. Any other type (y-websocket's auth included), trailing bytes, a truncated
 * payload or an entry whose state is not JSON is a malformed frame: RelayError `bad_frame`,
 * which closes the socket with 4400.
 */
import {
  type AwarenessEntry,
  readAwarenessUpdate,
  readFrame,
  type SignalKind,
  SyncStep,
} from '@sightline/protocol'
import { RelayError, RelayErrorCode } from '../errors.js'

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

/** The wire is read by protocol's `readFrame`; here only what the relay makes of it. */
function decode(bytes: Uint8Array): InboundFrame {
  const frame = readFrame(bytes)
  switch (frame.kind) {
    case 'sync':
      return frame.step === SyncStep.Step1
        ? { kind: 'sync-step1', stateVector: frame.payload }
        : { kind: 'sync-update', update: frame.payload }
    case 'awareness':
      return { kind: 'awareness', entries: readAwarenessUpdate(frame.update).map(parseEntry) }
    case 'query-awareness':
      return frame
    case 'signal':
      return frame
    case 'other':
      throw bad(`unknown message type ${frame.type}`)
  }
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
