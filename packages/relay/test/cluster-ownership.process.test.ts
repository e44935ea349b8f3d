/**
 * Ownership of client IDs across nodes (issue 20, rule 1), over real parts: a real
 * redis-server and two relay nodes as real CLI processes. The bus carries each state's subject
 * and claim time, so a client ID claimed on node A belongs to that agent on node B too: a
 * squatter on B is refused with 4409 (at once when B already knew the claim, within a bus round
 * trip when it opened the room with that very frame) and A's agents never see the squatter's
 * state at any moment, also after the owner's socket dropped. Two first claims racing on two
 * nodes converge to one owner everywhere (the earlier claim; ties by subject).
 */
import { type AwarenessEntry, CloseCode, conversationRoom } from '@sightline/protocol'
import { describe, expect, it } from 'vitest'
import { type RelayNode, startNode, startRedis } from './cluster-fixtures.js'
import { join, presence, type TestClient } from './fixtures.js'
import { closeCodeWithin } from './helpers.js'

let roomCounter = 0
const room = () => conversationRoom(9, `owner-${process.pid}-${++roomCounter}`)

const open = (node: RelayNode, name: string, sub: string) => join(node as never, name, sub)

/** Every entry for `clientId` that `client` ever received, in order. */
function entriesFor(client: TestClient, clientId: number): AwarenessEntry[] {
  return client.awareness.flat().filter((e) => e.clientId === clientId)
}

/** The subjects `client` was ever shown under `clientId` (removals left out), in order. */
function subjectsShown(client: TestClient, clientId: number): string[] {
  const out: string[] = []
  for (const e of entriesFor(client, clientId)) {
    if (e.json === 'null') continue
    const sub = (JSON.parse(e.json) as { user: { id: string } }).user.id
    if (out.at(-1) !== sub) out.push(sub)
  }
  return out
}

async function twoNodes() {
  const redis = await startRedis()
  const [a, b] = await Promise.all([startNode(redis.url, 'node-a'), startNode(redis.url, 'node-b')])
  return { a: a!, b: b! }
}

describe('client ID ownership across nodes', () => {
  it("a claim made on node A holds on node B: a squatter there gets 4409, A's agents never see it", async () => {
    const { a, b } = await twoNodes()

    // 1. X opens the room on B (which holds nothing of it) and claims Y's ID in its first
    //    frame: refused within a bus round trip; A never shows X's state, at any sample.
    const r1 = room()
    const alice = await open(a, r1, 'alice')
    alice.setState(11, 1, presence('alice'))
    const carol = await open(a, r1, 'carol')
    await expect.poll(() => carol.live().get(11)?.user.id).toBe('alice')
    const mallory = await open(b, r1, 'mallory')
    mallory.setState(11, Date.now() + 60_000, presence('mallory'))
    expect(await closeCodeWithin(mallory, 3000)).toBe(CloseCode.ClientIdTaken)
    // After the squatter left, Alice changes twice: everyone, on both nodes, sees her.
    alice.setState(11, 2, presence('alice', { away: true }))
    alice.setState(11, 3, presence('alice', { activity: 'replying' }))
    await expect.poll(() => carol.live().get(11)?.activity).toBe('replying')
    const dave = await open(b, r1, 'dave')
    await expect.poll(() => dave.live().get(11)?.activity, { timeout: 3000 }).toBe('replying')
    expect(dave.live().get(11)?.user.id).toBe('alice')
    expect(subjectsShown(carol, 11)).toEqual(['alice'])

    // 2. B already holds the room (Erin is there): the squatter is refused at once, and
    //    nobody on either node ever sees its state.
    const r2 = room()
    const bob = await open(a, r2, 'bob')
    bob.setState(21, 1, presence('bob'))
    const frank = await open(a, r2, 'frank')
    const erin = await open(b, r2, 'erin')
    await expect.poll(() => erin.live().get(21)?.user.id, { timeout: 3000 }).toBe('bob')
    const mallory2 = await open(b, r2, 'mallory')
    mallory2.setState(21, Date.now() + 60_000, presence('mallory'))
    expect(await closeCodeWithin(mallory2, 1000)).toBe(CloseCode.ClientIdTaken)
    bob.setState(21, 2, presence('bob', { away: true }))
    await expect.poll(() => erin.live().get(21)?.away, { timeout: 3000 }).toBe(true)
    await expect.poll(() => frank.live().get(21)?.away).toBe(true)
    expect(subjectsShown(erin, 21)).toEqual(['bob'])
    expect(subjectsShown(frank, 21)).toEqual(['bob'])

    // 3. The owner's socket on A drops (released there); the ID is still Bob's on B.
    bob.ws.terminate()
    await expect.poll(() => erin.states.get(21)?.json, { timeout: 3000 }).toBe('null')
    const mallory3 = await open(b, r2, 'mallory')
    mallory3.setState(21, Date.now() + 60_000, presence('mallory'))
    expect(await closeCodeWithin(mallory3, 3000)).toBe(CloseCode.ClientIdTaken)
    // Bob's tab comes back on B with its ID: his again, on both nodes.
    const bobAgain = await open(b, r2, 'bob')
    bobAgain.setState(21, 3, presence('bob', { activity: 'replying' }))
    await expect
      .poll(
        () => ({
          bobAgain: bobAgain.closeCode ?? 'open',
          onA: frank.live().get(21)?.activity,
          onB: erin.live().get(21)?.activity,
        }),
        { timeout: 3000 },
      )
      .toEqual({ bobAgain: 'open', onA: 'replying', onB: 'replying' })
    expect(subjectsShown(frank, 21)).toEqual(['bob'])
    expect(subjectsShown(erin, 21)).toEqual(['bob'])
    expect(bobAgain.closeCode).toBeUndefined()
  }, 90_000)

  it('two first claims racing on two nodes converge to one owner on every node', async () => {
    const { a, b } = await twoNodes()
    const r = room()
    // Both nodes hold the room; a watcher on each.
    const onA = await open(a, r, 'wanda')
    const onB = await open(b, r, 'walt')
    const ids = [55, 56, 57, 58]
    const claimants = await Promise.all(
      ids.map(async (id) => ({
        id,
        alice: await open(a, r, 'alice'),
        bob: await open(b, r, 'bob'),
      })),
    )
    // Each pair claims its ID at once, one on each node (which goes first alternates).
    for (const { id, alice, bob } of claimants) {
      const first = id % 2 === 0 ? alice : bob
      const second = first === alice ? bob : alice
      first.setState(id, 1, presence(first === alice ? 'alice' : 'bob'))
      second.setState(id, 1, presence(second === alice ? 'alice' : 'bob'))
    }
    for (const { id, alice, bob } of claimants) {
      // Exactly one of the two is refused, and both nodes show the other.
      const outcome = () => {
        const refused = [alice.closeCode, bob.closeCode].filter((c) => c !== undefined)
        const owner = alice.closeCode === undefined ? 'alice' : 'bob'
        return {
          refused,
          shownOnA: onA.live().get(id)?.user.id,
          shownOnB: onB.live().get(id)?.user.id,
          owner,
        }
      }
      await expect
        .poll(
          () => {
            const { refused, shownOnA, shownOnB, owner } = outcome()
            return {
              refused,
              shownOnA,
              shownOnB,
              consistent: shownOnA === owner && shownOnB === owner,
            }
          },
          { timeout: 5000 },
        )
        .toMatchObject({ refused: [CloseCode.ClientIdTaken], consistent: true })
      const { owner } = outcome()
      // Newcomers on either node agree.
      const lateA = await open(a, r, 'xena')
      const lateB = await open(b, r, 'yves')
      await expect.poll(() => lateA.live().get(id)?.user.id, { timeout: 3000 }).toBe(owner)
      await expect.poll(() => lateB.live().get(id)?.user.id, { timeout: 3000 }).toBe(owner)
      await Promise.all([lateA.close(), lateB.close()])
    }
    // And it stays so: the winners' next changes reach both nodes, the losers are gone.
    for (const { id, alice, bob } of claimants) {
      const winner = alice.closeCode === undefined ? alice : bob
      const sub = winner === alice ? 'alice' : 'bob'
      winner.setState(id, 2, presence(sub, { away: true }))
      await expect.poll(() => onA.live().get(id)?.away, { timeout: 3000 }).toBe(true)
      await expect.poll(() => onB.live().get(id)?.away, { timeout: 3000 }).toBe(true)
      expect(winner.closeCode).toBeUndefined()
    }
  }, 90_000)
})
