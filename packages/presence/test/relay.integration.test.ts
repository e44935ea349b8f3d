/** The presence client against the real relay: real sockets on loopback, real tokens. */
import { setTimeout as delay } from 'node:timers/promises'
import { CloseCode, isKeepaliveFrame, roomUrl } from '@sightline/protocol'
import { readAwarenessEntries } from '@sightline/testkit'
import { describe, expect, it, onTestFinished } from 'vitest'
import WS from 'ws'
import {
  join,
  RecordingWebSocket,
  startRelay,
  token,
  uniqueRoom,
  viewersOf,
} from './relay-fixtures.js'

/** Samples `read` every few ms while `during` runs; returns every sample. */
async function sampleWhile<T>(read: () => T, during: () => Promise<void>): Promise<T[]> {
  const samples: T[] = [read()]
  const timer = setInterval(() => samples.push(read()), 10)
  try {
    await during()
  } finally {
    clearInterval(timer)
  }
  samples.push(read())
  return samples
}

/** Heartbeats a recorded socket has sent. */
const heartbeatsSent = (socket: RecordingWebSocket) =>
  socket.sent.filter((frame) => readAwarenessEntries(frame)?.length === 0).length

/** A raw socket in `room` that remembers the last `away` of every client ID it heard of. */
async function rawWatcher(relay: { url: string }, room: string) {
  const socket = new WS(roomUrl(relay.url, room, token('watcher')))
  onTestFinished(() => socket.terminate())
  const away = new Map<number, boolean>()
  socket.on('message', (data: Buffer) => {
    for (const e of readAwarenessEntries(new Uint8Array(data)) ?? []) {
      away.set(e.clientId, e.json !== 'null' && JSON.parse(e.json).away === true)
    }
  })
  await new Promise((resolve) => socket.once('open', resolve))
  return { away: (clientId: number) => away.get(clientId) ?? false }
}

describe('presence over the real relay', () => {
  it('two clients see each other, and replying propagates', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = join(relay, room, 'alice')
    const bob = join(relay, room, 'bob')
    await expect.poll(() => viewersOf(alice)).toEqual(['bob:viewing:here:1'])
    await expect.poll(() => viewersOf(bob)).toEqual(['alice:viewing:here:1'])
    expect(bob.others[0]!.user).toEqual({ id: 'alice', name: 'Alice' })
    alice.setActivity('replying')
    await expect.poll(() => viewersOf(bob), { timeout: 1000 }).toEqual(['alice:replying:here:1'])
    alice.setActivity('viewing')
    await expect.poll(() => viewersOf(bob), { timeout: 1000 }).toEqual(['alice:viewing:here:1'])
  })

  it('destroy() removes the tab for the others at once', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = join(relay, room, 'alice')
    const bob = join(relay, room, 'bob')
    await expect.poll(() => viewersOf(bob)).toEqual(['alice:viewing:here:1'])
    const started = performance.now()
    alice.destroy()
    await expect.poll(() => viewersOf(bob), { timeout: 1000, interval: 5 }).toEqual([])
    // well under the relay's liveness timeout: the null state did it, not the socket reaper
    expect(performance.now() - started).toBeLessThan(300)
  })

  it('shows one agent in two tabs as one viewer, away only when both tabs are, gone only when both are', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const bob = join(relay, room, 'bob')
    const tab1 = join(relay, room, 'alice')
    const tab2 = join(relay, room, 'alice')
    const carol = join(relay, room, 'carol')
    const watcher = await rawWatcher(relay, room)
    await expect
      .poll(() => viewersOf(bob))
      .toEqual(['alice:viewing:here:2', 'carol:viewing:here:1'])
    expect(viewersOf(tab1)).toEqual(['bob:viewing:here:1', 'carol:viewing:here:1'])
    tab2.setActivity('replying')
    await expect.poll(() => viewersOf(bob)).toContain('alice:replying:here:2')

    // One tab away, the other not: still here. The relay forwards to every peer in one order,
    // so once the watcher has tab1's away state and bob then sees carol's later change, bob
    // has applied tab1's away state too.
    tab1.setAway(true)
    await expect.poll(() => watcher.away(tab1.clientId)).toBe(true)
    carol.setActivity('replying')
    await expect.poll(() => viewersOf(bob)).toContain('carol:replying:here:1')
    expect(viewersOf(bob)).toContain('alice:replying:here:2')
    carol.destroy()

    tab2.setAway(true)
    await expect.poll(() => viewersOf(bob)).toEqual(['alice:replying:away:2'])
    tab2.destroy()
    await expect.poll(() => viewersOf(bob)).toEqual(['alice:viewing:away:1'])
    tab1.destroy()
    await expect.poll(() => viewersOf(bob)).toEqual([])
  })

  it('clears the others and reconnects when the relay goes away, restored by a new relay on the port', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = join(relay, room, 'alice')
    const bob = join(relay, room, 'bob')
    const carol = join(relay, room, 'carol')
    await expect
      .poll(() => viewersOf(alice))
      .toEqual(['bob:viewing:here:1', 'carol:viewing:here:1'])
    const statuses: string[] = []
    alice.onStatus((s) => statuses.push(s))

    await relay.close()
    await expect.poll(() => alice.status).toBe('reconnecting')
    expect(alice.others).toEqual([])
    // carol leaves while the relay is down: she must not come back
    carol.destroy()
    // A few failed attempts against the closed port (each opens a new socket).
    const attempts = RecordingWebSocket.instances.length
    await expect.poll(() => RecordingWebSocket.instances.length).toBeGreaterThan(attempts + 2)

    const second = await startRelay({ port: relay.port })
    const back = performance.now()
    await expect.poll(() => viewersOf(alice), { timeout: 5000 }).toEqual(['bob:viewing:here:1'])
    await expect.poll(() => viewersOf(bob), { timeout: 5000 }).toEqual(['alice:viewing:here:1'])
    expect(performance.now() - back).toBeLessThan(5000)
    expect(alice.status).toBe('connected')
    expect(statuses[0]).toBe('connected')
    expect(statuses).toContain('reconnecting')
    expect(second.stats().connections).toBe(2)
  })

  it('tells the host app when the relay refuses it for good, and stops', async () => {
    const relay = await startRelay()
    const alice = join(relay, uniqueRoom(), 'alice', {
      token: token('alice', { rooms: ['mailbox/2/*'] }),
    })
    const errors: string[] = []
    alice.onError((e) => errors.push(`${e.code}:${e.closeCode}`))
    await expect.poll(() => alice.status).toBe('closed')
    expect(errors).toEqual([`refused:${CloseCode.Forbidden}`])
  })

  it('a tab that only listens in a busy room stays connected on keepalives, asking no answers', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const first = RecordingWebSocket.instances.length
    const alice = join(relay, room, 'alice')
    const bob = join(relay, room, 'bob')
    await expect.poll(() => viewersOf(alice)).toEqual(['bob:viewing:here:1'])
    const aliceSocket = RecordingWebSocket.instances[first]!
    const beats = heartbeatsSent(aliceSocket)
    const statuses = await sampleWhile(
      () => alice.status,
      async () => {
        // Bob changes every 60 ms for five liveness timeouts (600 ms): Alice hears the relay
        // all along and says nothing herself but her keepalives.
        for (let i = 0; i < 50; i++) {
          bob.setActivity(i % 2 === 0 ? 'replying' : 'viewing')
          await delay(60)
        }
      },
    )
    expect(new Set(statuses)).toEqual(new Set(['connected']))
    // A heartbeat every 200 ms before: ~15 in these 3 s. Now none is needed (a stall of the
    // test's own event loop may still make one or two).
    expect(heartbeatsSent(aliceSocket) - beats).toBeLessThanOrEqual(3)
    expect(aliceSocket.sent.filter(isKeepaliveFrame).length).toBeGreaterThanOrEqual(5)
    expect(viewersOf(alice)).toEqual(['bob:viewing:here:1'])
  })

  it('never sends entries for other client IDs (no echo)', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const first = RecordingWebSocket.instances.length
    const clients = ['alice', 'bob', 'carol'].map((sub) => join(relay, room, sub))
    await Promise.all(clients.map((c) => expect.poll(() => c.others.length).toBe(2)))
    clients[1]!.setActivity('replying')
    clients[2]!.setAway(true)
    await expect
      .poll(() => viewersOf(clients[0]!))
      .toEqual(['bob:replying:here:1', 'carol:viewing:away:1'])
    const sockets = RecordingWebSocket.instances.slice(first)
    // Two more heartbeats from every tab: time for any (wrong) re-broadcast to have gone out.
    const beats = sockets.map(heartbeatsSent)
    await expect
      .poll(() => sockets.every((socket, i) => heartbeatsSent(socket) >= beats[i]! + 2))
      .toBe(true)
    expect(sockets).toHaveLength(3)
    sockets.forEach((socket, i) => {
      const own = clients[i]!.clientId
      const awareness = socket.sent.map(awarenessEntries).filter((e) => e !== null)
      expect(awareness.some((entries) => entries.length > 0)).toBe(true)
      for (const entries of awareness) for (const e of entries) expect(e.clientId).toBe(own)
    })
  })

  it('replaces a token near expiry through getToken without the agent ever disappearing', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const bob = join(relay, room, 'bob')
    let refreshed = 0
    const first = RecordingWebSocket.instances.length + 1
    const alice = join(relay, room, 'alice', {
      token: token('alice', { ttlSec: 3 }),
      getToken: async () => {
        refreshed++
        return token('alice', { ttlSec: 3600 })
      },
    })
    await expect.poll(() => viewersOf(bob)).toEqual(['alice:viewing:here:1'])
    const samples = await sampleWhile(
      () => viewersOf(bob).join(),
      async () => {
        await expect.poll(() => refreshed, { timeout: 4000 }).toBe(1)
        await expect.poll(() => RecordingWebSocket.instances[first]?.readyState).toBe(1)
        await expect.poll(() => RecordingWebSocket.instances[first - 1]?.readyState).toBe(3)
        // The relay released the retired socket (after its removal grace): nothing left to drop.
        await expect.poll(() => relay.stats().connections).toBe(2)
      },
    )
    expect(samples.every((s) => s === 'alice:viewing:here:1')).toBe(true)
    expect(alice.status).toBe('connected')
    expect(relay.stats().connections).toBe(2)
    alice.setActivity('replying')
    await expect.poll(() => viewersOf(bob)).toEqual(['alice:replying:here:1'])
  })
})

const awarenessEntries = readAwarenessEntries
