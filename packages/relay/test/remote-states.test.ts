/**
 * States of another node's tabs (cluster mode, Room.applyRemote): a change is forwarded to the
 * tabs here; the origin's periodic republish of an unchanged state is not (this room's own
 * refresh keeps it alive for them, batched with the room's other states).
 */
import { readAwarenessUpdate, readFrame } from '@sightline/protocol'
import { describe, expect, it } from 'vitest'
import { DEFAULT_OPTIONS } from '../src/config/options.js'
import { Room, type RoomPeer } from '../src/core/room.js'

function peer(id: string, remote = false): RoomPeer & { frames: Uint8Array[] } {
  const frames: Uint8Array[] = []
  return {
    id,
    subject: id,
    remote,
    claims: { sub: id, name: id, exp: Number.MAX_SAFE_INTEGER },
    frames,
    send: (frame) => void frames.push(frame),
  }
}

const state = (sub: string, activity: 'viewing' | 'replying') =>
  JSON.stringify({ user: { id: sub, name: sub }, activity, away: false, since: 1 })

/** Client IDs of the awareness entries in `frames`. */
function awarenessClientIds(frames: readonly Uint8Array[]): number[] {
  const ids: number[] = []
  for (const bytes of frames) {
    const frame = readFrame(bytes)
    if (frame.kind !== 'awareness') continue
    for (const e of readAwarenessUpdate(frame.update)) ids.push(e.clientId)
  }
  return ids
}

describe('states of another node', () => {
  it('forwards a change, not the republish of an unchanged state', () => {
    const room = new Room('mailbox/1/conversation/1', { ...DEFAULT_OPTIONS, coalesceWindowMs: 0 })
    const local = peer('local')
    const node = peer('node-b', true)
    room.join(local)
    const joined = local.frames.length

    room.applyRemote(node, [
      { clientId: 7, json: state('bob', 'viewing'), subject: 'bob', claimedAt: 1 },
    ])
    expect(awarenessClientIds(local.frames.slice(joined))).toEqual([7])

    // The origin's refresh: same state again. Nothing new for the tab here.
    room.applyRemote(node, [
      { clientId: 7, json: state('bob', 'viewing'), subject: 'bob', claimedAt: 1 },
    ])
    expect(awarenessClientIds(local.frames.slice(joined))).toEqual([7])

    // A change: forwarded.
    room.applyRemote(node, [
      { clientId: 7, json: state('bob', 'replying'), subject: 'bob', claimedAt: 1 },
    ])
    expect(awarenessClientIds(local.frames.slice(joined))).toEqual([7, 7])

    // This room's refresh still re-sends the held state with a fresh clock.
    room.refresh(0)
    expect(awarenessClientIds(local.frames.slice(joined))).toEqual([7, 7, 7])
  })
})
