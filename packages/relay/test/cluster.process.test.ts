/**
 * Cluster mode over real parts: a real redis-server, three relay nodes as real CLI processes,
 * stock y-websocket providers split across them. Cross-node visibility, late joiners, a node
 * killed with SIGKILL (its tabs removed everywhere within the node timeout, then back on
 * another node), SIGTERM (removed at once), a Redis restart (healed without restarting any
 * relay), mailbox list summaries and reply entries across nodes, and a tab moving between
 * nodes without anyone seeing it leave.
 */
import {
  conversationRoom,
  encodeSignalFrame,
  type MailboxSummary,
  mailboxRoom,
  type PresenceState,
  REPLIES_KEY,
  readMailboxSummary,
  readPresenceState,
  SignalKind,
} from '@sightline/protocol'
import { describe, expect, it, onTestFinished } from 'vitest'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { type RelayNode, startNode, startRedis } from './cluster-fixtures.js'
import { join, mintToken, presence, settle } from './fixtures.js'

let roomCounter = 0
const room = () => conversationRoom(9, `cluster-${process.pid}-${++roomCounter}`)

interface Tab {
  readonly doc: Y.Doc
  readonly provider: WebsocketProvider
  /** Other agents' user ids this tab sees, sorted. */
  others(): string[]
  /** Every removal of `clientId` this tab has seen. */
  removals(clientId: number): number
}

async function tab(
  node: RelayNode,
  roomName: string,
  sub: string,
  doc = new Y.Doc(),
): Promise<Tab> {
  const provider = new WebsocketProvider(node.url, roomName, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token: await mintToken({ sub }) },
    disableBc: true,
    // Reconnect at once in tests (the relay's own bounds are what is measured).
    maxBackoffTime: 100,
  })
  onTestFinished(() => provider.destroy())
  const removed = new Map<number, number>()
  provider.awareness.on('change', ({ removed: r }: { removed: number[] }) => {
    for (const id of r) removed.set(id, (removed.get(id) ?? 0) + 1)
  })
  for (const [key, value] of Object.entries(presence(sub))) {
    provider.awareness.setLocalStateField(key, value)
  }
  return {
    doc,
    provider,
    others() {
      const out: string[] = []
      for (const [id, state] of provider.awareness.getStates()) {
        if (id === provider.awareness.clientID) continue
        const s = readPresenceState(state) as PresenceState | null
        if (s !== null) out.push(s.user.id)
      }
      return out.sort()
    },
    removals: (clientId) => removed.get(clientId) ?? 0,
  }
}

/** Polls until `check` holds; returns the ms it took (interval 10 ms). */
async function msUntil(check: () => boolean, timeout = 10_000): Promise<number> {
  const start = performance.now()
  await expect.poll(check, { timeout, interval: 10 }).toBe(true)
  return performance.now() - start
}

async function threeNodes() {
  const redis = await startRedis()
  const [a, b, c] = await Promise.all(
    ['node-a', 'node-b', 'node-c'].map((id) => startNode(redis.url, id)),
  )
  return { redis, a: a!, b: b!, c: c! }
}

describe('relays sharing rooms through Redis', () => {
  it('tabs on different nodes see each other within 1 s; a late joiner on a third sees everyone', async () => {
    const { a, b, c } = await threeNodes()
    const r = room()
    const alice = await tab(a, r, 'alice')
    const bob = await tab(b, r, 'bob')
    const seen = await msUntil(
      () => alice.others().join() === 'bob' && bob.others().join() === 'alice',
    )
    expect(seen).toBeLessThan(1000)
    // A change crosses too.
    alice.provider.awareness.setLocalStateField('activity', 'replying')
    const crossed = await msUntil(() =>
      [...bob.provider.awareness.getStates().values()].some(
        (s) =>
          (s as PresenceState).user?.id === 'alice' && (s as PresenceState).activity === 'replying',
      ),
    )
    expect(crossed).toBeLessThan(1000)
    // Carol joins on node C, which held nothing of this room.
    const carol = await tab(c, r, 'carol')
    const late = await msUntil(() => carol.others().join() === 'alice,bob')
    expect(late).toBeLessThan(1000)
  }, 60_000)

  it('kill -9 of a node removes its tabs from the other nodes within the node timeout; they come back on another node', async () => {
    const { a, b, c } = await threeNodes()
    const r = room()
    const alice = await tab(a, r, 'alice')
    const bob = await tab(b, r, 'bob')
    const carol = await tab(c, r, 'carol')
    await msUntil(
      () => alice.others().join() === 'bob,carol' && carol.others().join() === 'alice,bob',
    )
    const killedAt = performance.now()
    await b.stop('SIGKILL')
    await msUntil(() => alice.others().join() === 'carol' && carol.others().join() === 'alice')
    const gone = performance.now() - killedAt
    // Node timeout 3 s + one sweep (1 s) + delivery; the contract's bound is the 10 s liveness.
    expect(gone).toBeGreaterThan(2000)
    expect(gone).toBeLessThan(5000)
    // Bob's tab reconnects through the load balancer to node C, same document, same client ID.
    bob.provider.destroy()
    const bobAgain = await tab(c, r, 'bob', bob.doc)
    await msUntil(
      () => alice.others().join() === 'bob,carol' && bobAgain.others().join() === 'alice,carol',
    )
  }, 60_000)

  it('SIGTERM of a node removes its tabs from the others at once', async () => {
    const { a, b } = await threeNodes()
    const r = room()
    const alice = await tab(a, r, 'alice')
    await tab(b, r, 'bob')
    await msUntil(() => alice.others().join() === 'bob')
    const stoppedAt = performance.now()
    const stopped = b.stop('SIGTERM')
    await msUntil(() => alice.others().length === 0)
    expect(performance.now() - stoppedAt).toBeLessThan(1000)
    await stopped
  }, 60_000)

  it('a tab moving to another node is never seen leaving', async () => {
    const { a, b, c } = await threeNodes()
    const r = room()
    const alice = await tab(a, r, 'alice')
    const carol = await tab(c, r, 'carol')
    await msUntil(() => carol.others().join() === 'alice')
    const aliceId = alice.doc.clientID
    // Alice's socket to A is closed "going away" (a frozen tab resuming) and her tab comes
    // back at once through the load balancer, on B (same client ID).
    alice.provider.shouldConnect = false
    alice.provider.ws?.close(1001)
    const moved = await tab(b, r, 'alice', alice.doc)
    await msUntil(() => moved.others().join() === 'carol')
    // Past A's removal grace and a few sweeps: Carol still sees her, and never saw her leave.
    await expect
      .poll(() => performance.now(), { timeout: 5000 })
      .toBeGreaterThan(performance.now() + 3000)
    expect(carol.others()).toEqual(['alice'])
    expect(carol.removals(aliceId)).toBe(0)
  }, 60_000)

  it('heals after a Redis restart without restarting any relay', async () => {
    const { redis, a, b } = await threeNodes()
    const r = room()
    const alice = await tab(a, r, 'alice')
    const bob = await tab(b, r, 'bob')
    await msUntil(() => alice.others().join() === 'bob')
    await redis.kill()
    const lostAt = performance.now()
    // Not ready while the bus is down, and the other node's tabs go after the node timeout.
    await expect
      .poll(async () => (await fetch(`${a.httpUrl}/readyz`)).status, { timeout: 5000 })
      .toBe(503)
    await msUntil(() => alice.others().length === 0 && bob.others().length === 0)
    expect(performance.now() - lostAt).toBeLessThan(5000)
    await redis.start()
    await expect
      .poll(async () => (await fetch(`${a.httpUrl}/readyz`)).status, { timeout: 15_000 })
      .toBe(200)
    // Whatever each node dropped meanwhile comes back by the resync (not only by the 15 s
    // refresh), and new changes cross again.
    const healed = await msUntil(
      () => alice.others().join() === 'bob' && bob.others().join() === 'alice',
      15_000,
    )
    expect(healed).toBeLessThan(3000)
    const dave = await tab(b, r, 'dave')
    await msUntil(
      () => alice.others().join() === 'bob,dave' && dave.others().join() === 'alice,bob',
    )
    const metrics = () => fetch(`${a.httpUrl}/metrics`).then((r) => r.text())
    // Every node reconnects on its own backoff (up to 2 s): poll until both peers are back.
    await expect.poll(metrics, { timeout: 5000 }).toMatch(/sightline_relay_bus_peers 2/)
    const text = await metrics()
    expect(text).toMatch(/sightline_relay_bus_connected 1/)
    expect(text).toMatch(/sightline_relay_bus_messages_total\{direction="in"\} [1-9]/)
    expect(text).toMatch(/sightline_relay_bus_node_down_total [1-9]/)
  }, 90_000)

  it('a mailbox list on one node summarises every conversation across nodes; replies cross too', async () => {
    const { a, b, c } = await threeNodes()
    const mailbox = `mb${process.pid}${++roomCounter}`
    const grants = { rooms: [`mailbox/${mailbox}`, `mailbox/${mailbox}/*`] }
    const c1 = conversationRoom(mailbox, 'c1')
    const c2 = conversationRoom(mailbox, 'c2')
    const alice = await join(a as never, c1, 'alice', grants)
    const bob = await join(b as never, c1, 'bob', grants)
    const carol = await join(b as never, c2, 'carol', grants)
    alice.setState(11, 1, presence('alice'))
    bob.setState(21, 1, presence('bob', { activity: 'replying' }))
    carol.setState(31, 1, presence('carol'))
    await expect.poll(() => [...bob.live().keys()].sort()).toEqual([11])
    // The list page opens on node C, which holds none of these conversations.
    const list = await join(c as never, mailboxRoom(mailbox), 'erin', grants)
    const rows = () => {
      const out: Record<string, string> = {}
      for (const json of [...list.live().values()].map((s) => JSON.stringify(s))) {
        const summary = readMailboxSummary(JSON.parse(json)) as MailboxSummary | null
        if (summary !== null) {
          out[summary.conversation] = summary.viewers
            .map((v) => `${v.user.id}:${v.activity}`)
            .join(',')
        }
      }
      return out
    }
    await expect
      .poll(() => rows(), { timeout: 3000 })
      .toEqual({
        c1: 'bob:replying,alice:viewing',
        c2: 'carol:viewing',
      })
    // Alice replies on node A: the entry reaches Bob's tab on node B.
    alice.send(encodeSignalFrame(SignalKind.ReplySent))
    await settle(alice)
    const doc = new Y.Doc()
    const provider = new WebsocketProvider(c.url, c1, doc, {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      params: { token: await mintToken({ sub: 'frank', ...grants }) },
      disableBc: true,
    })
    onTestFinished(() => provider.destroy())
    await expect
      .poll(() =>
        doc
          .getArray(REPLIES_KEY)
          .toJSON()
          .map((e) => (e as { userId: string }).userId),
      )
      .toEqual(['alice'])
    // Carol leaves node B: her row goes on node C's list.
    carol.setState(31, 2, null)
    await expect.poll(() => rows()['c2'], { timeout: 3000 }).toBeUndefined()
  }, 60_000)
})
