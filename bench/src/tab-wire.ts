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
 * processes on one machine. All three servers forward the JSON text unchanged in content and
 * key order (the reference and Hocuspocus re-stringify it, which keeps both).
 */
import {
  EMPTY_SYNC_STEP2_FRAME,
  encodeAwarenessFrame,
  encodeSyncStep1Frame,
  MessageType,
  readFrame,
  readFrameType,
  SyncStep,
} from '@sightline/protocol'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type { ServerKind } from './generator-protocol.js'

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

/** One awareness entry as a tab needs it. `seq` is -1 for a state not written by the bench. */
export interface SeenEntry {
  clientId: number
  clock: number
  removed: boolean
  seq: number
  sentAtUs: number
}

/**
 * What one inbound frame held. The `auth-*` kinds and `ping` come from Hocuspocus only: its
 * answer to the tab's auth message, its request for the token again, its connection ping.
 */
export type InboundKind =
  | 'sync-step1'
  | 'sync-other'
  | 'awareness'
  | 'query'
  | 'auth-ok'
  | 'auth-denied'
  | 'auth-request'
  | 'ping'
  | 'other'

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

/**
 * The whole WebSocket frame a client sends for `payload`: one binary frame (FIN, opcode 2), the
 * length, and a zero masking key, so the masked payload is the payload itself (ws's own sender
 * skips the XOR for an all-zero key as well). The server reads and unmasks it exactly as a
 * browser's (same header, same length, same work); the generator writes it with one
 * `socket.write` instead of ws's header + masked copy + cork/writev per send.
 */
export function clientFrame(payload: Uint8Array): Buffer {
  const len = payload.length
  const header = len < 126 ? 2 : len < 65_536 ? 4 : 10
  const out = Buffer.allocUnsafe(header + 4 + len)
  out[0] = 0x82
  if (len < 126) out[1] = 0x80 | len
  else if (len < 65_536) {
    out[1] = 0x80 | 126
    out.writeUInt16BE(len, 2)
  } else {
    out[1] = 0x80 | 127
    out.writeBigUInt64BE(BigInt(len), 2)
  }
  out.writeUInt32BE(0, header)
  out.set(payload, header + 4)
  return out
}

/** `clientFrame` of the frames that never change (heartbeat, sync step 2, ...), built once. */
const constantFrames = new WeakMap<Uint8Array, Buffer>()

/** `clientFrame(payload)`, cached for `payload` (only for frames that are never mutated). */
export function constantClientFrame(payload: Uint8Array): Buffer {
  let frame = constantFrames.get(payload)
  if (frame === undefined) {
    frame = clientFrame(payload)
    constantFrames.set(payload, frame)
  }
  return frame
}

/**
 * How a tab talks to one kind of server: the only place where the three servers' protocols
 * differ. Sightline and the reference speak y-websocket (the room is the URL path, frames are
 * bare); Hocuspocus multiplexes documents over one socket, so every frame starts with the
 * document name (see `documentWire`).
 */
export interface TabWire {
  /** Frames the tab sends when its socket opens, before it announces its state. */
  readonly openFrames: readonly Uint8Array[]
  /** An awareness frame holding only this tab's entry. */
  state(clientId: number, clock: number, json: string): Uint8Array
  /** The removal a tab sends when it leaves on purpose. */
  removal(clientId: number, clock: number): Uint8Array
  /** Reads an inbound frame (see `readInbound`). */
  read(frame: Uint8Array, onEntry: (entry: SeenEntry) => void): InboundKind
  /** What the tab sends back to a frame of `kind` (a state is re-announced by the tab itself). */
  answer(kind: InboundKind): Uint8Array | null
}

/** y-websocket, as Sightline's presence client and y-websocket providers speak it. */
const Y_WEBSOCKET_WIRE: TabWire = Object.freeze({
  openFrames: [],
  state: ownStateFrame,
  removal: ownRemovalFrame,
  read: readInbound,
  answer: (kind: InboundKind) => (kind === 'sync-step1' ? EMPTY_SYNC_STEP2_FRAME : null),
})

/** @hocuspocus/server 4.x message types (its `MessageType`; the first varUint after the name). */
const HocuspocusType = Object.freeze({
  Sync: 0,
  Awareness: 1,
  Auth: 2,
  QueryAwareness: 3,
  Ping: 9,
  Pong: 10,
})
/** Sub-types of an Auth message (@hocuspocus/common `AuthMessageType`). */
const HocuspocusAuth = Object.freeze({ Token: 0, PermissionDenied: 1, Authenticated: 2 })
/**
 * The provider version the tab's auth message names (the provider appends its own; the server
 * only stores it). No `onAuthenticate` hook is configured, so any token is accepted.
 */
const HOCUSPOCUS_PROVIDER_VERSION = '4.7.0'
const HOCUSPOCUS_TOKEN = 'bench'
/** The provider's answer to a connection-level Ping: the bare type, no document name. */
const HOCUSPOCUS_PONG = Uint8Array.of(HocuspocusType.Pong)

/**
 * Hocuspocus, as @hocuspocus/provider speaks it: every frame is the document name (varString)
 * followed by a message whose Sync, Awareness and QueryAwareness bodies are y-websocket's, so a
 * frame here is `name + y-websocket frame`. On open the provider sends its auth message (Token,
 * the token, its version), then sync step 1 of its document, then its awareness state, without
 * waiting for the answer (the server queues them until authenticated). It answers the server's
 * sync step 1 with a Sync step 2 and the server's Ping with a Pong.
 */
class DocumentWire implements TabWire {
  readonly openFrames: readonly Uint8Array[]
  readonly #name: Uint8Array
  readonly #step2: Uint8Array
  readonly #auth: Uint8Array

  constructor(documentName: string) {
    const name = encoding.createEncoder()
    encoding.writeVarString(name, documentName)
    this.#name = encoding.toUint8Array(name)
    const auth = encoding.createEncoder()
    encoding.writeUint8Array(auth, this.#name)
    encoding.writeVarUint(auth, HocuspocusType.Auth)
    encoding.writeVarUint(auth, HocuspocusAuth.Token)
    encoding.writeVarString(auth, HOCUSPOCUS_TOKEN)
    encoding.writeVarString(auth, HOCUSPOCUS_PROVIDER_VERSION)
    this.#auth = encoding.toUint8Array(auth)
    this.#step2 = this.#named(EMPTY_SYNC_STEP2_FRAME)
    // The state vector of an empty document: no clients.
    this.openFrames = [this.#auth, this.#named(encodeSyncStep1Frame(Uint8Array.of(0)))]
  }

  state(clientId: number, clock: number, json: string): Uint8Array {
    return this.#named(ownStateFrame(clientId, clock, json))
  }

  removal(clientId: number, clock: number): Uint8Array {
    return this.#named(ownRemovalFrame(clientId, clock))
  }

  read(frame: Uint8Array, onEntry: (entry: SeenEntry) => void): InboundKind {
    if (frame.length === 1 && frame[0] === HocuspocusType.Ping) return 'ping'
    // Skip the document name: a tab's socket carries one document.
    const decoder = decoding.createDecoder(frame)
    const nameLength = decoding.readVarUint(decoder)
    decoder.pos += nameLength
    if (decoder.pos >= frame.length) throw new RangeError('truncated Hocuspocus frame')
    const body = frame.subarray(decoder.pos)
    switch (body[0]) {
      case HocuspocusType.Auth:
        return body[1] === HocuspocusAuth.Authenticated
          ? 'auth-ok'
          : body[1] === HocuspocusAuth.Token
            ? 'auth-request'
            : 'auth-denied'
      case HocuspocusType.Sync:
      case HocuspocusType.Awareness:
      case HocuspocusType.QueryAwareness:
        return readInbound(body, onEntry)
      default:
        // SyncStatus (the server applied our step 2), Stateless, CLOSE, SyncReply.
        return 'other'
    }
  }

  answer(kind: InboundKind): Uint8Array | null {
    if (kind === 'sync-step1') return this.#step2
    if (kind === 'auth-request') return this.#auth
    if (kind === 'ping') return HOCUSPOCUS_PONG
    return null
  }

  #named(frame: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.#name.length + frame.length)
    out.set(this.#name, 0)
    out.set(frame, this.#name.length)
    return out
  }
}

/** Room-mates share one Hocuspocus wire (the same document, the same constant frames). */
const documentWires = new Map<string, TabWire>()

/** The wire of a tab of `room` against a server of `kind`. */
export function tabWire(kind: ServerKind, room: string): TabWire {
  if (kind !== 'hocuspocus') return Y_WEBSOCKET_WIRE
  let wire = documentWires.get(room)
  if (wire === undefined) {
    wire = new DocumentWire(room)
    documentWires.set(room, wire)
  }
  return wire
}
