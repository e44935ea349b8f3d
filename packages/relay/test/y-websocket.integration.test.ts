/**
 * Interop with the stock y-websocket provider (3.1), unchanged: it syncs and reads the room
 * document the relay writes, its own document writes are refused (4405), awareness goes
 * through the relay, and the others see it removed when a provider is destroyed.
 */
import {
  CloseCode,
  encodeSignalFrame,
  type PresenceState,
  REPLIES_KEY,
  readPresenceState,
  SignalKind,
} from '@sightline/protocol'
import { describe, expect, it, onTestFinished } from 'vitest'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { join, mintToken, presence, startRelay, uniqueRoom } from './fixtures.js'

async function provider(url: string, room: string, sub: string) {
  const doc = new Y.Doc()
  const p = new WebsocketProvider(url, room, doc, {
    // Node: the `ws` constructor; no BroadcastChannel, so everything goes through the relay.
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token: await mintToken({ sub }) },
    disableBc: true,
  })
  onTestFinished(() => {
    p.destroy()
    doc.destroy()
  })
  return { doc, provider: p, awareness: p.awareness }
}

/** The other tabs' presence states a provider currently holds. */
function othersOf(p: WebsocketProvider): PresenceState[] {
  const out: PresenceState[] = []
  for (const [id, state] of p.awareness.getStates()) {
    if (id === p.awareness.clientID) continue
    const s = readPresenceState(state)
    if (s !== null) out.push(s)
  }
  return out
}

describe('stock y-websocket provider', () => {
  it('syncs a document and sees the other tab, which is gone once destroyed', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const a = await provider(relay.url, room, 'alice')
    const b = await provider(relay.url, room, 'bob')
    await expect.poll(() => a.provider.synced && b.provider.synced).toBe(true)

    for (const [key, value] of Object.entries(presence('alice')))
      a.awareness.setLocalStateField(key, value)
    for (const [key, value] of Object.entries(presence('bob')))
      b.awareness.setLocalStateField(key, value)
    await expect.poll(() => othersOf(a.provider).map((s) => s.user.id)).toEqual(['bob'])
    await expect.poll(() => othersOf(b.provider).map((s) => s.user.id)).toEqual(['alice'])
    a.awareness.setLocalStateField('activity', 'replying')
    await expect.poll(() => othersOf(b.provider)[0]?.activity).toBe('replying')

    // Both providers echo what they receive (yjs/yjs#732); the relay keeps them connected.
    expect(relay.stats()).toEqual({ rooms: 1, connections: 2 })
    a.provider.destroy()
    await expect.poll(() => othersOf(b.provider)).toEqual([])
    await expect.poll(() => relay.stats()).toEqual({ rooms: 1, connections: 1 })
  })

  it('reads the reply log the relay writes; its own document writes are refused with 4405', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const a = await provider(relay.url, room, 'alice')
    await expect.poll(() => a.provider.synced).toBe(true)
    // Carol's tab (a raw client) announces a reply; the relay writes the entry.
    const carol = await join(relay, room, 'carol')
    carol.setState(31, 1, presence('carol'))
    carol.send(encodeSignalFrame(SignalKind.ReplySent))
    await expect
      .poll(() => a.doc.getArray(REPLIES_KEY).toJSON())
      .toEqual([{ userId: 'carol', name: 'Carol', at: expect.any(Number), clientId: 31 }])
    // A late joiner gets it with its first sync.
    const b = await provider(relay.url, room, 'bob')
    await expect.poll(() => b.doc.getArray(REPLIES_KEY).length).toBe(1)

    const closes: number[] = []
    b.provider.ws?.addEventListener('close', (event) => closes.push(event.code))
    b.doc.getArray(REPLIES_KEY).delete(0, 1)
    await expect.poll(() => closes).toEqual([CloseCode.ReadOnly])
    // The entry stands for everyone else; the stock provider does not retry a 44xx close.
    expect(a.doc.getArray(REPLIES_KEY).length).toBe(1)
  })
})
