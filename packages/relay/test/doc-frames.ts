/**
 * Hostile room-document traffic, built with Yjs itself: the frames a client holding one valid
 * token could send to make a relay that integrates client document updates work or hold
 * memory out of proportion to the bytes sent. Used by the relay's attack tests and by the
 * worst-frame benchmark (`bench/src/worst-frame.ts`).
 *
 * Every builder returns a complete y-websocket frame: `[varUint 0 sync][varUint step][varUint8Array]`.
 */
import {
  encodeSyncFrame,
  encodeSyncStep1Frame,
  encodeSyncUpdateFrame,
  type SyncStep,
} from '@sightline/protocol'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'

/** A sync frame of `step` (0 step 1, 1 step 2, 2 update) carrying `payload`. */
export function syncFrame(step: SyncStep, payload: Uint8Array): Uint8Array {
  return encodeSyncFrame(step, payload)
}

/** A sync update frame (`messageYjsUpdate`). */
export function updateFrame(update: Uint8Array): Uint8Array {
  return encodeSyncUpdateFrame(update)
}

/** A sync step 1 asking for everything (empty state vector: 4 bytes in all). */
export function step1Frame(stateVector: Uint8Array = Y.encodeStateVector(new Y.Doc())): Uint8Array {
  return encodeSyncStep1Frame(stateVector)
}

/**
 * `clients` Yjs clients each inserting one character at the same position of the same text:
 * integrating them resolves every conflict against every other, so the work grows with the
 * square of `clients` while the bytes grow linearly (5,000 clients: ~40 KB, seconds of CPU).
 * `firstClientId` keeps successive frames' clients distinct.
 */
export function conflictingInsertsFrame(clients: number, firstClientId = 1): Uint8Array {
  const updates: Uint8Array[] = []
  for (let i = 0; i < clients; i++) {
    const doc = new Y.Doc()
    doc.clientID = firstClientId + i
    doc.getText('t').insert(0, 'x')
    updates.push(Y.encodeStateAsUpdate(doc))
    doc.destroy()
  }
  return updateFrame(Y.mergeUpdates(updates))
}

/**
 * An update that can never be integrated: `items` structs of client `clientId` starting at
 * clock 1, whose clock 0 never arrives. A relay that keeps such updates pending holds them,
 * and merges them into every sync step 2 it encodes.
 */
export function pendingUpdateFrame(clientId: number, items: number): Uint8Array {
  const doc = new Y.Doc()
  doc.clientID = clientId
  const text = doc.getText('t')
  text.insert(0, 'a')
  const afterFirst = Y.encodeStateVector(doc)
  // Each insert right after the first character: no two structs merge, so the update
  // carries `items` separate structs.
  for (let i = 0; i < items; i++) text.insert(1, String.fromCharCode(97 + (i % 26)))
  const update = Y.encodeStateAsUpdate(doc, afterFirst)
  doc.destroy()
  return updateFrame(update)
}

/** `count` sub-documents (entries with a `guid`) in one update. */
export function subdocumentsFrame(count: number): Uint8Array {
  const doc = new Y.Doc()
  const map = doc.getMap('m')
  doc.transact(() => {
    for (let i = 0; i < count; i++) map.set(`d${i}`, new Y.Doc())
  })
  const update = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return updateFrame(update)
}

/**
 * A write to the room's `replies` log naming somebody else, as a stock Yjs client would make
 * it: the log that warns "Bob replied while you were composing".
 */
export function forgedReplyFrame(entry: Record<string, unknown>): Uint8Array {
  const doc = new Y.Doc()
  doc.getArray('replies').push([entry])
  const update = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return updateFrame(update)
}

/**
 * A delete of the first `count` items of client `clientId` (clocks 0..count-1): what a member
 * sends to erase entries another client wrote, knowing only their IDs from the sync it got.
 */
export function deleteItemsFrame(clientId: number, count: number): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 0) // no structs
  encoding.writeVarUint(encoder, 1) // delete set: one client
  encoding.writeVarUint(encoder, clientId)
  encoding.writeVarUint(encoder, 1) // one range
  encoding.writeVarUint(encoder, 0) // from clock 0
  encoding.writeVarUint(encoder, count)
  return updateFrame(encoding.toUint8Array(encoder))
}
