/**
 * The awareness frames the presence client writes, and the filter it reads awareness updates
 * through. The wire format and every frame writer live in `@sightline/protocol` (frames.ts,
 * awareness-codec.ts); this file only picks what a tab sends and what it accepts.
 */
import {
  type AwarenessEntry,
  encodeAwarenessUpdateFrame,
  readPresenceState,
  writeAwarenessUpdate,
} from '@sightline/protocol'
import * as encoding from 'lib0/encoding'
import type { Awareness } from 'y-protocols/awareness'
import { encodeAwarenessUpdate } from 'y-protocols/awareness'

/**
 * An awareness frame holding only this tab's own entry. Never anyone else's: re-sending other
 * clients' entries is the N-squared echo of y-websocket's provider (yjs/yjs#732).
 */
export function ownAwarenessFrame(awareness: Awareness): Uint8Array {
  return encodeAwarenessUpdateFrame(encodeAwarenessUpdate(awareness, [awareness.clientID]))
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
 * The entries of an incoming awareness update worth applying (read once by the caller),
 * re-encoded: removals and valid presence states of other clients. Our own client ID is
 * skipped (only this tab writes it), and so are invalid states. `null` when nothing is left.
 */
export function acceptableAwarenessUpdate(
  entries: readonly AwarenessEntry[],
  ownClientId: number,
): Uint8Array | null {
  const kept = entries.filter((e) => e.clientId !== ownClientId && isValidEntry(e))
  if (kept.length === 0) return null
  const encoder = encoding.createEncoder()
  writeAwarenessUpdate(encoder, kept)
  return encoding.toUint8Array(encoder)
}
