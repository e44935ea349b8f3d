/**
 * What a simulated tab writes and how it reads what it receives, without a Y.Doc or an
 * Awareness per tab (50,000 of those would measure the generator, not the server).
 *
 * A tab's state is a valid Sightline presence state with one extra field the readers of
 * the real client ignore, placed first so receivers can read it straight from the bytes:
 *
 *   {"b":[<seq>,<sentAtUs>],"user":{"id":..,"name":..},"activity":..,"away":false,"since":..}
 *
 * `seq` counts this tab's state changes (0 = the state it joined with); `sentAtUs` is
 * `performance.timeOrigin + performance.now()` in integer microseconds, comparable across
 * processes on one machine. Both servers forward the JSON text unchanged in content and key
 * order (the reference re-stringifies it, which keeps both).
 */
import {
  encodeAwarenessFrame,
  encodeSyncStep2Frame,
  MessageType,
  readFrame,
  readFrameType,
  SyncStep,
} from '@sightline/protocol'
import * as decoding from 'lib0/decoding'

/** Now, in integer microseconds since the epoch, sub-millisecond and cross-process. */
export function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000)
}

export interface TabIdentity {
  readonly agentId: string
  readonly name: string
}

export interface OwnState {
  readonly seq: number
  readonly sentAtUs: number
  readonly activity: 'viewing' | 'replying'
  readonly since: number
}

/** The JSON text of a tab's presence state (see the file header). */
export function stateJson(who: TabIdentity, s: OwnState): string {
  const user = JSON.stringify({ id: who.agentId, name: who.name })
  return `{"b":[${s.seq},${s.sentAtUs}],"user":${user},"activity":"${s.activity}","away":false,"since":${s.since}}`
}

/** An awareness frame holding only this tab's entry, as the presence client sends it. */
export function ownStateFrame(clientId: number, clock: number, json: string): Uint8Array {
  return encodeAwarenessFrame([{ clientId, clock, json }])
}

/** The removal a tab sends when it leaves on purpose (presence `destroy()`). */
export function ownRemovalFrame(clientId: number, clock: number): Uint8Array {
  return encodeAwarenessFrame([{ clientId, clock, json: 'null' }])
}

/** Sync step 2 of an empty document: the answer to a server's sync step 1. */
// An update with no structs and an empty delete set.
export const EMPTY_SYNC_STEP2: Uint8Array = encodeSyncStep2Frame(Uint8Array.of(0, 0))

/** One awareness entry as a tab needs it. `seq` is -1 for a state not written by the bench. */
export interface SeenEntry {
  clientId: number
  clock: number
  removed: boolean
  seq: number
  sentAtUs: number
}

/** What one inbound frame held. */
export type InboundKind = 'sync-step1' | 'sync-other' | 'awareness' | 'query' | 'other'

const PREFIX = [0x7b, 0x22, 0x62, 0x22, 0x3a, 0x5b] // {"b":[
const NULL = [0x6e, 0x75, 0x6c, 0x6c] // null

/**
 * Reads `frame`, calling `onEntry` for each awareness entry (the same object is reused: copy
 * what you keep). Returns the kind of frame. Throws on a malformed frame.
 *
 * Frames other than awareness go through the protocol's reader. Awareness entries are read
 * here, allocation-free, in the format of protocol's awareness-codec.ts: 50,000 simulated tabs
 * must measure the server, not the generator's garbage collector.
 */
export function readInbound(frame: Uint8Array, onEntry: (entry: SeenEntry) => void): InboundKind {
  if (readFrameType(frame) !== MessageType.Awareness) {
    const read = readFrame(frame)
    if (read.kind === 'sync') return read.step === SyncStep.Step1 ? 'sync-step1' : 'sync-other'
    return read.kind === 'query-awareness' ? 'query' : 'other'
  }
  const decoder = decoding.createDecoder(frame)
  decoding.readVarUint(decoder) // the type, read above
  decoding.readVarUint(decoder) // length of the inner update: it runs to the end
  const count = decoding.readVarUint(decoder)
  const entry: SeenEntry = { clientId: 0, clock: 0, removed: false, seq: -1, sentAtUs: 0 }
  for (let i = 0; i < count; i++) {
    entry.clientId = decoding.readVarUint(decoder)
    entry.clock = decoding.readVarUint(decoder)
    const len = decoding.readVarUint(decoder)
    const start = decoder.pos
    decoder.pos += len
    if (decoder.pos > frame.length) throw new RangeError('truncated awareness entry')
    entry.removed = len === 4 && startsWith(frame, start, NULL)
    entry.seq = -1
    entry.sentAtUs = 0
    if (!entry.removed && startsWith(frame, start, PREFIX)) {
      let p = start + PREFIX.length
      let seq = 0
      for (let c = frame[p]!; c >= 0x30 && c <= 0x39; c = frame[++p]!) seq = seq * 10 + c - 0x30
      let sent = 0
      for (let c = frame[++p]!; c >= 0x30 && c <= 0x39; c = frame[++p]!) sent = sent * 10 + c - 0x30
      entry.seq = seq
      entry.sentAtUs = sent
    }
    onEntry(entry)
  }
  return 'awareness'
}

function startsWith(bytes: Uint8Array, at: number, prefix: readonly number[]): boolean {
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false
  return true
}

/** Bytes a WebSocket frame of `payload` bytes takes on the wire (header, mask if client). */
export function wireBytes(payload: number, fromClient: boolean): number {
  const header = payload < 126 ? 2 : payload < 65_536 ? 4 : 10
  return payload + header + (fromClient ? 4 : 0)
}
