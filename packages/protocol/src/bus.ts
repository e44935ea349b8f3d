/**
 * The bus between relay nodes (cluster mode, Redis pub/sub). Every message is
 *
 *   [varUint version = 1][varString nodeId][varUint epoch][varUint kind] payload
 *
 * `nodeId` names a relay node (SIGHTLINE_NODE_ID); `epoch` rises with each start of it, so a
 * restarted node replaces its former self. Kinds and payloads:
 *
 *   0 heartbeat  (none)                                   on the nodes channel, every second
 *   1 goodbye    (none)                                   on the nodes channel, at shutdown
 *   2 states     [varString room][varUint n]
 *                  n x ([varUint clientId][varString json][varString subject][varUint claimedAt])
 *                the sender's own tabs' states in `room` ("null": removed), as it forwards
 *                them to its own tabs (identity checked, `since` checked); receivers
 *                re-clock them with their own relay clocks. `subject` is the agent that owns
 *                the client ID in the room and `claimedAt` when (wall-clock ms) it first
 *                claimed it: two claims of one client ID by different agents on two nodes
 *                resolve to the earlier claim (ties: the smaller subject) on every node
 *   3 query      [varString room]                      "send me what you hold of `room`"
 *                (a conversation room: its states and replies; a mailbox room: those of
 *                every conversation of the mailbox)
 *   4 replies    [varString room][varUint n] n x [varString entryJson]
 *                reply-log entries the sender's relay wrote (reply-log.ts)
 *
 * Channels: `<prefix>:nodes` for heartbeats and goodbyes; `<prefix>:m:<mailboxId>` for
 * everything about the rooms of one mailbox (its list room and its conversations), so the node
 * holding a mailbox list hears every conversation of that mailbox on one channel; any other
 * room has its own, `<prefix>:r:<room>`. Note: Redis pub/sub delivers at most once;
 * heartbeats, the relay's refresh and the resync after a reconnection heal a lost message.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { parseRoom } from './rooms.js'

/** Version 2 added `subject` and `claimedAt` to states; nodes of versions 1 and 2 do not mix. */
export const BUS_VERSION = 2

export const BusKind = Object.freeze({
  Heartbeat: 0,
  Goodbye: 1,
  States: 2,
  Query: 3,
  Replies: 4,
} as const)

export type BusKind = (typeof BusKind)[keyof typeof BusKind]

/**
 * One state of a node's own tab: the client ID, its JSON ("null" for a removal), the agent
 * that owns the client ID in the room and when that agent first claimed it (wall-clock ms).
 */
export interface BusState {
  readonly clientId: number
  readonly json: string
  readonly subject: string
  readonly claimedAt: number
}

export type BusMessage =
  | { readonly kind: typeof BusKind.Heartbeat }
  | { readonly kind: typeof BusKind.Goodbye }
  | { readonly kind: typeof BusKind.States; readonly room: string; readonly states: BusState[] }
  | { readonly kind: typeof BusKind.Query; readonly room: string }
  | { readonly kind: typeof BusKind.Replies; readonly room: string; readonly entries: string[] }

/** A message with its sender. */
export interface BusEnvelope {
  readonly nodeId: string
  readonly epoch: number
  readonly message: BusMessage
}

/** Writes one bus message from node `nodeId` (epoch `epoch`). */
export function writeBusMessage(
  encoder: encoding.Encoder,
  nodeId: string,
  epoch: number,
  message: BusMessage,
): void {
  encoding.writeVarUint(encoder, BUS_VERSION)
  encoding.writeVarString(encoder, nodeId)
  encoding.writeVarUint(encoder, epoch)
  encoding.writeVarUint(encoder, message.kind)
  switch (message.kind) {
    case BusKind.Heartbeat:
    case BusKind.Goodbye:
      return
    case BusKind.States:
      encoding.writeVarString(encoder, message.room)
      encoding.writeVarUint(encoder, message.states.length)
      for (const s of message.states) {
        encoding.writeVarUint(encoder, s.clientId)
        encoding.writeVarString(encoder, s.json)
        encoding.writeVarString(encoder, s.subject)
        encoding.writeVarUint(encoder, s.claimedAt)
      }
      return
    case BusKind.Query:
      encoding.writeVarString(encoder, message.room)
      return
    case BusKind.Replies:
      encoding.writeVarString(encoder, message.room)
      encoding.writeVarUint(encoder, message.entries.length)
      for (const e of message.entries) encoding.writeVarString(encoder, e)
      return
  }
}

/** One bus message as bytes, ready to publish. */
export function encodeBusMessage(nodeId: string, epoch: number, message: BusMessage): Uint8Array {
  const encoder = encoding.createEncoder()
  writeBusMessage(encoder, nodeId, epoch, message)
  return encoding.toUint8Array(encoder)
}

/** Reads one bus message. Throws a RangeError on a malformed or unknown message. */
export function readBusMessage(bytes: Uint8Array): BusEnvelope {
  const decoder = decoding.createDecoder(bytes)
  const version = decoding.readVarUint(decoder)
  if (version !== BUS_VERSION) throw new RangeError(`unknown bus version ${version}`)
  const nodeId = decoding.readVarString(decoder)
  const epoch = decoding.readVarUint(decoder)
  const kind = decoding.readVarUint(decoder)
  let message: BusMessage
  switch (kind) {
    case BusKind.Heartbeat:
    case BusKind.Goodbye:
      message = { kind }
      break
    case BusKind.States: {
      const room = decoding.readVarString(decoder)
      const n = decoding.readVarUint(decoder)
      if (n > bytes.length) throw new RangeError('bus state count exceeds message size')
      const states: BusState[] = []
      for (let i = 0; i < n; i++) {
        states.push({
          clientId: decoding.readVarUint(decoder),
          json: decoding.readVarString(decoder),
          subject: decoding.readVarString(decoder),
          claimedAt: decoding.readVarUint(decoder),
        })
      }
      message = { kind, room, states }
      break
    }
    case BusKind.Query:
      message = { kind, room: decoding.readVarString(decoder) }
      break
    case BusKind.Replies: {
      const room = decoding.readVarString(decoder)
      const n = decoding.readVarUint(decoder)
      if (n > bytes.length) throw new RangeError('bus entry count exceeds message size')
      const entries: string[] = []
      for (let i = 0; i < n; i++) entries.push(decoding.readVarString(decoder))
      message = { kind, room, entries }
      break
    }
    default:
      throw new RangeError(`unknown bus message kind ${kind}`)
  }
  if (decoding.hasContent(decoder)) throw new RangeError('trailing bytes after bus message')
  return { nodeId, epoch, message }
}

/** The channel of node heartbeats and goodbyes. */
export function nodesChannel(prefix: string): string {
  return `${prefix}:nodes`
}

/**
 * The channel of a room (see the header): its mailbox's, or its own for a room outside the
 * `mailbox/...` scheme. Null for an invalid room name. One channel per mailbox is also one
 * slot, hence one shard, on a Redis Cluster (sharded pub/sub hashes the whole name): the
 * rooms of a mailbox need no hash tag to stay together, and the names are the same on one
 * Redis and on a cluster.
 */
export function roomChannel(prefix: string, room: string): string | null {
  const parsed = parseRoom(room)
  if (parsed === null) return null
  return parsed.kind === 'other' ? `${prefix}:r:${room}` : `${prefix}:m:${parsed.mailboxId}`
}
