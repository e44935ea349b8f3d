/**
 * The frames the presence client writes, and the filter it reads awareness updates through.
 * Formats: see `@sightline/protocol` (message-type.ts, awareness-codec.ts).
 */
import {
  type AwarenessEntry,
  MessageType,
  readAwarenessUpdate,
  readPresenceState,
  writeAwarenessUpdate,
} from '@sightline/protocol'
import * as encoding from 'lib0/encoding'
import type { Awareness } from 'y-protocols/awareness'
import { encodeAwarenessUpdate } from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'

/**
 * An awareness frame holding only this tab's own entry. Never anyone else's: re-sending other
 * clients' entries is the N-squared echo of y-websocket's provider (yjs/yjs#732).
 */
export function ownAwarenessFrame(awareness: Awareness): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Awareness)
  encoding.writeVarUint8Array(encoder, encodeAwarenessUpdate(awareness, [awareness.clientID]))
  return encoding.toUint8Array(encoder)
}

/** A sync frame carrying a local document update. */
export function syncUpdateFrame(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Sync)
  syncProtocol.writeUpdate(encoder, update)
  return encoding.toUint8Array(encoder)
}

function isValidEntry(entry: AwarenessEntry): boolean {
  if (entry.json === 'null') return true
  try {
    return readPresenceState(JSON.parse(entry.json)) !== null
  } catch {
    return false
  }
}

/**
 * The entries of an incoming awareness update worth applying, re-encoded: removals and valid
 * presence states of other clients. Our own client ID is skipped (only this tab writes it), and
 * so are invalid states. `null` when nothing is left. Throws on a malformed update.
 */
export function acceptableAwarenessUpdate(
  update: Uint8Array,
  ownClientId: number,
): Uint8Array | null {
  const entries = readAwarenessUpdate(update).filter(
    (e) => e.clientId !== ownClientId && isValidEntry(e),
  )
  if (entries.length === 0) return null
  const encoder = encoding.createEncoder()
  writeAwarenessUpdate(encoder, entries)
  return encoding.toUint8Array(encoder)
}
