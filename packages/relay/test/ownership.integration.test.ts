/**
 * Ownership of awareness client IDs (issue 20, rule 1), one relay over real sockets: a client
 * ID in a room belongs to the agent (token subject) that first claimed it, for the room's
 * lifetime, also after that agent's socket dropped or the relay restarted. Another agent's
 * state under it closes the writer with 4409 and nothing of that frame is applied or
 * forwarded; echoes of what the relay sent stay silent; the owner's own tabs take it over.
 */
import { type AwarenessEntry, CloseCode, encodeAwarenessFrame } from '@sightline/protocol'
import { describe, expect, it } from 'vitest'
import { join, presence, settle, startRelay, type TestClient, uniqueRoom } from './fixtures.js'
import { changeProbe, closeCodeWithin } from './helpers.js'

/** Every entry for `clientId` that `client` ever received, in order. */
function entriesFor(client: TestClient, clientId: number): AwarenessEntry[] {
  return client.awareness.flat().filter((e) => e.clientId === clientId)
}

/** The subjects `client` was ever shown under `clientId` (removals left out). */
function subjectsShown(client: TestClient, clientId: number): string[] {
  const out = new Set<string>()
  for (const e of entriesFor(client, clientId)) {
    if (e.json !== 'null') out.add((JSON.parse(e.json) as { user: { id: string } }).user.id)
  }
  return [...out]
}

describe('a client ID belongs to the agent that first claimed it', () => {
  it('the close code is 4409 "client ID taken"', () => {
    expect(CloseCode.ClientIdTaken).toBe(4409)
  })

  it("another agent's state under a live client ID: 4409 at once, nothing forwarded", async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = await changeProbe(relay, room, 'alice', 'bob', 11)
    const mallory = await join(relay, room, 'mallory')
    // Clock well above the relay's and JSON of her own: no echo, a write.
    const clock = alice.watcher.states.get(11)!.clock + 60_000
    mallory.setState(11, clock, presence('mallory'))
    expect(await closeCodeWithin(mallory)).toBe(CloseCode.ClientIdTaken)
    // A change of Alice's after the attack arrives: the relay has handled everything before.
    await alice.change()
    expect(subjectsShown(alice.watcher, 11)).toEqual(['alice'])
    expect(alice.watcher.closeCode).toBeUndefined()
  })

  it('a frame with the taken ID and one of her own: 4409, neither entry applied', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = await changeProbe(relay, room, 'alice', 'bob', 11)
    const mallory = await join(relay, room, 'mallory')
    const clock = alice.watcher.states.get(11)!.clock + 60_000
    mallory.sendStates([
      { clientId: 77, clock: 1, state: presence('mallory') },
      { clientId: 11, clock, state: presence('mallory') },
    ])
    expect(await closeCodeWithin(mallory)).toBe(CloseCode.ClientIdTaken)
    await alice.change()
    expect(entriesFor(alice.watcher, 77)).toEqual([])
    expect(subjectsShown(alice.watcher, 11)).toEqual(['alice'])
  })

  it("the owner's socket reset: a squatter's write under the released ID gets 4409; the owner's next tab takes it back", async () => {
    const relay = await startRelay({ removalGraceMs: 0 })
    const room = uniqueRoom()
    const watch = await changeProbe(relay, room, 'carol', 'bob', 31)
    const bob = watch.watcher
    const alice = await join(relay, room, 'alice')
    alice.setState(41, 1, presence('alice'))
    await expect.poll(() => bob.live().get(41)?.user.id).toBe('alice')
    // A Wi-Fi switch: the socket just dies, the relay removes her state.
    alice.ws.terminate()
    await expect.poll(() => bob.states.get(41)?.json).toBe('null')
    // Mallory learned the ID while watching and writes her own state under it at once.
    const mallory = await join(relay, room, 'mallory')
    mallory.setState(41, bob.states.get(41)!.clock + 60_000, presence('mallory'))
    expect(await closeCodeWithin(mallory)).toBe(CloseCode.ClientIdTaken)
    // Also with a clock below anything the relay handed out (no echo either).
    const mallory2 = await join(relay, room, 'mallory')
    mallory2.setState(41, 1, presence('mallory', { activity: 'replying' }))
    expect(await closeCodeWithin(mallory2)).toBe(CloseCode.ClientIdTaken)
    await watch.change()
    expect(subjectsShown(bob, 41)).toEqual(['alice'])
    // Alice's tab reconnects with the same client ID: hers again, shown to everyone.
    const aliceAgain = await join(relay, room, 'alice')
    aliceAgain.setState(41, 2, presence('alice', { activity: 'replying' }))
    await expect.poll(() => bob.live().get(41)?.activity).toBe('replying')
    await settle(aliceAgain)
    expect(aliceAgain.closeCode).toBeUndefined()
    expect(subjectsShown(bob, 41)).toEqual(['alice'])
  })

  it('the same agent may take over its own client ID from another of its connections', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = await changeProbe(relay, room, 'alice', 'bob', 11)
    // A reconnecting tab: a new socket of the same agent, the old one not reaped yet.
    const aliceTab = await join(relay, room, 'alice')
    aliceTab.setState(11, 1, presence('alice', { activity: 'replying' }))
    await expect.poll(() => alice.watcher.live().get(11)?.activity).toBe('replying')
    await settle(aliceTab)
    expect(aliceTab.closeCode).toBeUndefined()
    expect(alice.writer.closeCode).toBeUndefined()
  })

  it('echoes of what the relay sent (stock y-websocket behaviour) stay silent', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = await changeProbe(relay, room, 'alice', 'bob', 11)
    const mallory = await join(relay, room, 'mallory')
    await expect.poll(() => mallory.states.has(11)).toBe(true)
    const seen = mallory.states.get(11)!
    // The entry as received, and the same JSON under a higher clock: both echoes.
    mallory.send(encodeAwarenessFrame([{ clientId: 11, clock: seen.clock, json: seen.json }]))
    mallory.send(encodeAwarenessFrame([{ clientId: 11, clock: seen.clock + 5, json: seen.json }]))
    await settle(mallory)
    expect(mallory.closeCode).toBeUndefined()
    await alice.change()
    expect(subjectsShown(alice.watcher, 11)).toEqual(['alice'])
    expect(mallory.closeCode).toBeUndefined()
  })

  it("a removal under another agent's ID: dropped (not 4409), 1008 once repeated past the limit", async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const alice = await changeProbe(relay, room, 'alice', 'bob', 11)
    const mallory = await join(relay, room, 'mallory')
    const clock = alice.watcher.states.get(11)!.clock + 60_000
    mallory.setState(11, clock, null)
    await settle(mallory)
    expect(mallory.closeCode).toBeUndefined()
    expect(alice.watcher.live().get(11)?.user.id).toBe('alice')
    for (let i = 1; i <= 10; i++) mallory.setState(11, clock + i, null)
    expect(await closeCodeWithin(mallory)).toBe(CloseCode.PolicyViolation)
    await alice.change()
    expect(alice.watcher.live().get(11)?.user.id).toBe('alice')
    expect(entriesFor(alice.watcher, 11).some((e) => e.json === 'null')).toBe(false)
  })

  it('after a relay restart the first claimant owns the ID: the earlier owner gets 4409 and rejoins under a fresh one', async () => {
    const first = await startRelay()
    const room = uniqueRoom()
    const alice = await join(first, room, 'alice')
    alice.setState(11, 1, presence('alice'))
    await settle(alice)
    await first.close()
    expect(await closeCodeWithin(alice)).toBe(CloseCode.Restarting)
    // The relay is back with no memory; Mallory reconnects first and claims Alice's ID.
    const relay = await startRelay({ port: first.port })
    const mallory = await join(relay, room, 'mallory')
    mallory.setState(11, 1, presence('mallory'))
    await settle(mallory)
    const bob = await join(relay, room, 'bob')
    await expect.poll(() => bob.live().get(11)?.user.id).toBe('mallory')
    // Alice's tab reconnects and re-announces under its old ID: refused, nothing applied.
    const aliceBack = await join(relay, room, 'alice')
    aliceBack.setState(11, 2, presence('alice'))
    expect(await closeCodeWithin(aliceBack)).toBe(CloseCode.ClientIdTaken)
    // Under a fresh ID she is shown again.
    const aliceFresh = await join(relay, room, 'alice')
    aliceFresh.setState(12, 1, presence('alice'))
    await expect.poll(() => bob.live().get(12)?.user.id).toBe('alice')
    expect(subjectsShown(bob, 11)).toEqual(['mallory'])
    expect(mallory.closeCode).toBeUndefined()
  })

  it('ownership lasts for the room: once everybody left and the room is freed, the ID is free', async () => {
    const relay = await startRelay({ removalGraceMs: 0 })
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    alice.setState(11, 1, presence('alice'))
    await settle(alice)
    await alice.close()
    await expect.poll(() => relay.stats().rooms).toBe(0)
    const mallory = await join(relay, room, 'mallory')
    mallory.setState(11, 1, presence('mallory'))
    const bob = await join(relay, room, 'bob')
    await expect.poll(() => bob.live().get(11)?.user.id).toBe('mallory')
    expect(mallory.closeCode).toBeUndefined()
  })
})
