import { describe, expect, it } from 'vitest'
import { join, presence, settle, startRelay, uniqueRoom } from './fixtures.js'

describe('join and leave', () => {
  it('a newcomer receives the states already in the room', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    alice.setState(11, 1, presence('alice'))
    // Alice's write is accepted before Bob joins: a heartbeat round trip orders it.
    alice.heartbeat()
    await expect.poll(() => alice.heartbeats()).toBe(1)
    const bob = await join(relay, room, 'bob')
    await expect.poll(() => bob.live().get(11)?.user.id).toBe('alice')
    expect(bob.stateFrames()).toHaveLength(1)
  })

  it('closing a socket removes its states for the others at once', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    alice.setState(11, 1, presence('alice'))
    await expect.poll(() => bob.live().has(11)).toBe(true)
    const framesBefore = bob.stateFrames().length
    await alice.close()
    await expect.poll(() => bob.live().has(11)).toBe(false)
    // One removal frame, whose clock beats the one Bob holds.
    expect(bob.stateFrames().length).toBe(framesBefore + 1)
  })

  it('removes a state that was set, set to null and set again (no ghost)', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    alice.setState(11, 1, presence('alice'))
    await expect.poll(() => bob.live().has(11)).toBe(true)
    alice.setState(11, 2, null)
    await expect.poll(() => bob.live().has(11)).toBe(false)
    alice.setState(11, 3, presence('alice', { activity: 'replying' }))
    await expect.poll(() => bob.live().get(11)?.activity).toBe('replying')
    await alice.close()
    await expect.poll(() => bob.live().has(11)).toBe(false)
  })

  it('never forwards a state that is not a presence state yet, and lets it withdraw one', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    // What a stock provider sends first ({}), then while building its state field by field.
    alice.setState(11, 0, {})
    alice.setState(11, 1, { user: { id: 'alice', name: 'Alice' } })
    alice.setState(11, 2, [1, 2])
    await settle(alice)
    await settle(bob)
    expect(bob.stateFrames()).toHaveLength(0)
    alice.setState(11, 3, presence('alice'))
    await expect.poll(() => bob.live().has(11)).toBe(true)
    alice.setState(11, 4, {})
    await expect.poll(() => bob.live().has(11)).toBe(false)
    expect(
      bob
        .stateFrames()
        .flat()
        .every((e) => e.json === 'null' || e.json.includes('activity')),
    ).toBe(true)
    expect(alice.closeCode).toBeUndefined()
  })

  it('frees a room with its document when the last connection leaves', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    const carol = await join(relay, uniqueRoom(), 'carol')
    expect(relay.stats()).toEqual({ rooms: 2, connections: 3 })
    await alice.close()
    await expect.poll(() => relay.stats()).toEqual({ rooms: 2, connections: 2 })
    await bob.close()
    await expect.poll(() => relay.stats()).toEqual({ rooms: 1, connections: 1 })
    await carol.close()
    await expect.poll(() => relay.stats()).toEqual({ rooms: 0, connections: 0 })
  })
})

describe('forwarding', () => {
  it('one state change costs exactly N-1 deliveries and none to the sender', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const subs = ['a1', 'a2', 'a3', 'a4', 'a5']
    const clients = await Promise.all(subs.map((s) => join(relay, room, s)))
    const [sender, ...others] = clients
    sender!.setState(1, 1, presence('a1'))
    await Promise.all(others.map((c) => expect.poll(() => c.live().has(1)).toBe(true)))
    // A second client changes its state: every other one gets exactly one frame.
    const marks = clients.map((c) => c.stateFrames().length)
    clients[2]!.setState(3, 1, presence('a3', { activity: 'replying' }))
    for (const [i, c] of clients.entries()) {
      if (i === 2) continue
      await expect.poll(() => c.live().get(3)?.activity).toBe('replying')
    }
    // A round trip on the sender proves nothing more is on its way to it.
    clients[2]!.heartbeat()
    await expect.poll(() => clients[2]!.heartbeats()).toBe(1)
    for (const [i, c] of clients.entries()) {
      expect(c.stateFrames().length - marks[i]!).toBe(i === 2 ? 0 : 1)
    }
    expect(
      sender!
        .stateFrames()
        .flat()
        .some((e) => e.clientId === 1),
    ).toBe(false)
  })

  it('drops entries a client re-sends for other clients, silently', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    const carol = await join(relay, room, 'carol')
    alice.setState(11, 1, presence('alice'))
    await expect.poll(() => bob.live().has(11)).toBe(true)
    await expect.poll(() => carol.live().has(11)).toBe(true)
    const seen = bob.states.get(11)!
    const carolFrames = carol.stateFrames().length
    const aliceFrames = alice.stateFrames().length
    // What a stock y-websocket provider does: echo what it received, with the same clock.
    for (let i = 0; i < 20; i++)
      bob.sendStates([{ clientId: 11, clock: seen.clock, state: JSON.parse(seen.json) }])
    bob.heartbeat()
    await expect.poll(() => bob.heartbeats()).toBe(1)
    carol.heartbeat()
    await expect.poll(() => carol.heartbeats()).toBe(1)
    expect(carol.stateFrames().length).toBe(carolFrames)
    expect(alice.stateFrames().length).toBe(aliceFrames)
    // Twenty echoes are not forged writes: Bob is still connected.
    expect(bob.closeCode).toBeUndefined()
    expect(relay.stats().connections).toBe(3)
  })

  it('answers a heartbeat to its sender only and never forwards it', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    const bobFrames = bob.frames.length
    alice.heartbeat()
    alice.heartbeat()
    await expect.poll(() => alice.heartbeats()).toBe(2)
    bob.heartbeat()
    await expect.poll(() => bob.heartbeats()).toBe(1)
    expect(bob.frames.length).toBe(bobFrames + 1)
  })

  it('answers a query-awareness with every state', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    alice.setState(11, 1, presence('alice'))
    await expect.poll(() => bob.live().has(11)).toBe(true)
    const before = bob.states.get(11)!.clock
    bob.send(Uint8Array.of(3))
    await expect.poll(() => bob.states.get(11)!.clock).toBeGreaterThan(before)
  })
})
