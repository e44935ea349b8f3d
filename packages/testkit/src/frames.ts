/** Reading what a raw test client receives, through the protocol's one frame reader. */
import { type AwarenessEntry, readAwarenessUpdate, readFrame } from '@sightline/protocol'

/** The entries of an awareness frame (empty for a heartbeat), or null for any other frame. */
export function readAwarenessEntries(frame: Uint8Array): AwarenessEntry[] | null {
  const read = readFrame(frame)
  return read.kind === 'awareness' ? readAwarenessUpdate(read.update) : null
}
