/**
 * Interop with the stock y-websocket provider (3.1), unchanged: document sync and awareness
 * through the relay, and removal for the others when a provider is destroyed.
 */
import { type PresenceState, readPresenceState } from '@sightline/protocol'
import { describe, expect, it, onTestFinished } from 'vitest'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { mintToken, presence, startRelay, uniqueRoom } from './fixtures.js'

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

    a.doc.getText('t').insert(0, 'hello')
    await expect.poll(() => b.doc.getText('t').toString()).toBe('hello')
    b.doc.getText('t').insert(5, ' world')
    await expect.poll(() => a.doc.getText('t').toString()).toBe('hello world')

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
})
