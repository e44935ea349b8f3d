/**
 * A client's sync step 2 carrying a real Yjs update (docs/architecture.md, "The room
 * document: written by the relay alone"): the relay integrates nothing a client sends, so a
 * step 2 with content is refused with 4405 and none of it reaches anyone (the others in the
 * room, a newcomer, another room), while an up-to-date client's empty step 2 is ignored.
 * Real sockets, real tokens, the update made with Yjs.
 */
import {
  CloseCode,
  encodeSignalFrame,
  REPLIES_KEY,
  SignalKind,
  SyncStep,
} from '@sightline/protocol'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { syncFrame } from './doc-frames.js'
import { join, presence, settle, startRelay, type TestClient, uniqueRoom } from './fixtures.js'
import { bystanders, documentFrom } from './helpers.js'

/** The room document as `client` received it. */
const documentOf = (client: TestClient) => documentFrom(client.frames)

/** A Yjs update that claims Carol replied and writes some text: content, not an empty step. */
function contentUpdate(): Uint8Array {
  const doc = new Y.Doc()
  doc.getArray(REPLIES_KEY).push([{ userId: 'carol', name: 'Carol', at: Date.now(), clientId: 1 }])
  doc.getText('notes').insert(0, 'written by a client')
  const update = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return update
}

describe('sync step 2 from a client', () => {
  it('with content: 4405 at once, nothing of it applied or forwarded, in this room or another', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const b = await bystanders(relay, room)
    // A real reply first, so the document the others hold is not empty.
    const bob = await join(relay, room, 'bob')
    bob.setState(21, 1, presence('bob'))
    bob.send(encodeSignalFrame(SignalKind.ReplySent))
    await expect.poll(() => documentOf(b.watcher).getArray(REPLIES_KEY).toJSON().length).toBe(1)
    const before = Y.encodeStateAsUpdate(documentOf(b.watcher))
    const framesBefore = b.watcher.frames.length

    const mallory = await join(relay, room, 'mallory')
    mallory.setState(66, 1, presence('mallory'))
    await settle(mallory)
    mallory.send(syncFrame(SyncStep.Step2, contentUpdate()))
    // At once: within expect.poll's 1 s.
    await expect.poll(() => mallory.closeCode).toBe(CloseCode.ReadOnly)

    // Everyone else is still served, in this room and the other.
    await b.stillServed()
    expect(bob.closeCode).toBeUndefined()
    // The watcher's document is what it was: no sync frame reached it since.
    await settle(b.watcher)
    const doc = documentOf(b.watcher)
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before)
    expect(
      doc
        .getArray(REPLIES_KEY)
        .toJSON()
        .map((e: { userId: string }) => e.userId),
    ).toEqual(['bob'])
    expect(doc.getText('notes').toString()).toBe('')
    const syncFramesSince = b.watcher.frames.slice(framesBefore).filter((f) => f[0] === 0)
    expect(syncFramesSince).toEqual([])
    // A newcomer syncs the relay's document: the same, without Mallory's content.
    const erin = await join(relay, room, 'erin')
    await settle(erin)
    expect(Y.encodeStateAsUpdate(documentOf(erin))).toEqual(before)
    // The other room's document was never written.
    expect(documentOf(b.otherWatcher).getArray(REPLIES_KEY).length).toBe(0)
    expect(documentOf(b.otherWatcher).getText('notes').toString()).toBe('')
  })

  it('empty (an up-to-date client answering): ignored, the connection kept', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const watcher = await join(relay, room, 'olga')
    const alice = await join(relay, room, 'alice')
    alice.send(syncFrame(SyncStep.Step2, Y.encodeStateAsUpdate(new Y.Doc())))
    await settle(alice)
    alice.setState(11, 1, presence('alice'))
    await expect.poll(() => watcher.live().has(11)).toBe(true)
    expect(alice.closeCode).toBeUndefined()
  })
})
