/**
 * The whole wire: how every y-websocket frame is written and read. A frame is
 * `[varUint type][payload]`; the room is the URL path, never part of a frame.
 *
 *   0 sync             [varUint step][varUint8Array payload]
 *                        step 0 step1:  payload = the sender's state vector ("what I have")
 *                        step 1 step2:  payload = a document update answering a step 1
 *                        step 2 update: payload = a document update
 *   1 awareness        [varUint8Array update]   (entries: awareness-codec.ts; 0 entries = heartbeat)
 *   3 query-awareness  nothing: "send me every awareness state you hold"
 *   100 signal         [varUint kind]           (client to relay only: signal.ts)
 *
 * The sync encoding is y-protocols' `sync.js`, written here from bytes so that nothing in
 * `protocol` needs a Y.Doc: the relay, the client, the benchmark and the tests all write and
 * read frames through this module, and only a reader that applies an update touches Yjs.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { MessageType } from './message-type.js'
import { readSignal, type SignalKind } from './signal.js'

/** The step of a sync frame (y-protocols `messageYjsSyncStep1`, `...Step2`, `messageYjsUpdate`). */
export const SyncStep = Object.freeze({
  /** "Here is my state vector; send me what I miss." */
  Step1: 0,
  /** The answer to a step 1: every update the asker misses. */
  Step2: 1,
  /** An incremental document update. */
  Update: 2,
} as const)

export type SyncStep = (typeof SyncStep)[keyof typeof SyncStep]

/** Writes a sync frame of `step` carrying `payload` (a state vector for step 1, else an update). */
export function writeSyncFrame(
  encoder: encoding.Encoder,
  step: SyncStep,
  payload: Uint8Array,
): void {
  encoding.writeVarUint(encoder, MessageType.Sync)
  encoding.writeVarUint(encoder, step)
  encoding.writeVarUint8Array(encoder, payload)
}

/** A whole sync frame of `step` carrying `payload`. */
export function encodeSyncFrame(step: SyncStep, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  writeSyncFrame(encoder, step, payload)
  return encoding.toUint8Array(encoder)
}

/** Sync step 1: asks the other side for everything beyond `stateVector`. */
export function encodeSyncStep1Frame(stateVector: Uint8Array): Uint8Array {
  return encodeSyncFrame(SyncStep.Step1, stateVector)
}

/** Sync step 2: the answer to a step 1, carrying `update`. */
export function encodeSyncStep2Frame(update: Uint8Array): Uint8Array {
  return encodeSyncFrame(SyncStep.Step2, update)
}

/** A sync update frame carrying one document `update`. */
export function encodeSyncUpdateFrame(update: Uint8Array): Uint8Array {
  return encodeSyncFrame(SyncStep.Update, update)
}

/**
 * A whole awareness frame around an update that is already encoded (y-protocols
 * `encodeAwarenessUpdate`); to build one from entries use `encodeAwarenessFrame`.
 */
export function encodeAwarenessUpdateFrame(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Awareness)
  encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

/** The query-awareness frame (one byte). */
export const QUERY_AWARENESS_FRAME: Uint8Array = Uint8Array.of(MessageType.QueryAwareness)

/** One frame, read. Payloads are views into the frame's bytes, not copies. */
export type Frame =
  | { readonly kind: 'sync'; readonly step: SyncStep; readonly payload: Uint8Array }
  /** `update` is the inner awareness update: read its entries with `readAwarenessUpdate`. */
  | { readonly kind: 'awareness'; readonly update: Uint8Array }
  | { readonly kind: 'query-awareness' }
  | { readonly kind: 'signal'; readonly signal: SignalKind }
  /** A type this side does not read (y-websocket's auth, or a newer peer's): payload unread. */
  | { readonly kind: 'other'; readonly type: number }

/**
 * Reads one frame. Throws (RangeError, or lib0's decoding errors) when it is malformed: a bad
 * varint, a truncated payload, an unknown sync step or signal kind, or bytes after the payload
 * of a known type. What to do about it is the reader's call (the relay closes with 4400, the
 * client starts over on a fresh socket).
 */
export function readFrame(bytes: Uint8Array): Frame {
  const decoder = decoding.createDecoder(bytes)
  const type = decoding.readVarUint(decoder)
  let frame: Frame
  switch (type) {
    case MessageType.Sync: {
      const step = decoding.readVarUint(decoder)
      if (step !== SyncStep.Step1 && step !== SyncStep.Step2 && step !== SyncStep.Update) {
        throw new RangeError(`unknown sync step ${step}`)
      }
      frame = { kind: 'sync', step, payload: decoding.readVarUint8Array(decoder) }
      break
    }
    case MessageType.Awareness:
      frame = { kind: 'awareness', update: decoding.readVarUint8Array(decoder) }
      break
    case MessageType.QueryAwareness:
      frame = { kind: 'query-awareness' }
      break
    case MessageType.Signal:
      frame = { kind: 'signal', signal: readSignal(decoder) }
      break
    default:
      return { kind: 'other', type }
  }
  if (decoding.hasContent(decoder)) throw new RangeError('trailing bytes after frame')
  return frame
}

/** The type of a frame (its first varUint) without reading the rest; throws when malformed. */
export function readFrameType(bytes: Uint8Array): number {
  return decoding.readVarUint(decoding.createDecoder(bytes))
}

/**
 * Sync step 2 of an empty document update (no structs, an empty delete set; 5 bytes): what a
 * relay whose room document is still empty sends a joiner, and what a client with an empty
 * document answers a sync step 1 with.
 */
export const EMPTY_SYNC_STEP2_FRAME: Uint8Array = encodeSyncStep2Frame(Uint8Array.of(0, 0))

/**
 * The keepalive: the same bytes, from a tab, which the relay reads and never answers. A tab
 * sends it when it has sent nothing for a heartbeat period but hears from the relay anyway
 * (its room is busy): it tells the relay the tab is alive without the answer a heartbeat asks
 * for (docs/architecture.md, "Liveness").
 */
export const KEEPALIVE_FRAME: Uint8Array = EMPTY_SYNC_STEP2_FRAME

/** True when `frame` is exactly a keepalive. */
export function isKeepaliveFrame(frame: Uint8Array): boolean {
  return (
    frame.length === 5 &&
    frame[0] === MessageType.Sync &&
    frame[1] === SyncStep.Step2 &&
    frame[2] === 2 &&
    frame[3] === 0 &&
    frame[4] === 0
  )
}
