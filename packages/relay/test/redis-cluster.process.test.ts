/**
 * Cluster mode on a real Redis Cluster (three masters, one replica each) with sharded pub/sub:
 * relay nodes as real CLI processes given `redis-cluster://` seeds, raw clients on them.
 * Cross-node presence, removal and mailbox list summaries over SSUBSCRIBE/SPUBLISH; each
 * mailbox's channel on the shard of its slot (and nothing on classic pub/sub); then a shard
 * master killed with SIGKILL, its replica promoted, and presence across nodes back within a
 * stated bound, including a change published while the shard was down.
 */
import {
  conversationRoom,
  type MailboxSummary,
  mailboxRoom,
  nodesChannel,
  readMailboxSummary,
  roomChannel,
} from '@sightline/protocol'
import { describe, expect, it } from 'vitest'
import { type RelayNode, startNode } from './cluster-fixtures.js'
import { join, presence, settle, type TestClient } from './fixtures.js'
import { type RedisCluster, startRedisCluster } from './redis-cluster-fixtures.js'

const PREFIX = 'sightline'
let counter = 0

/** A raw client of `sub` in `room` on `node` with one state set (and heartbeating). */
async function tabIn(
  node: RelayNode,
  room: string,
  sub: string,
  clientId: number,
  mailbox: string,
): Promise<TestClient> {
  const grants = { rooms: [`mailbox/${mailbox}`, `mailbox/${mailbox}/*`] }
  const client = await join(node as never, room, sub, grants)
  client.setState(clientId, 1, presence(sub))
  await settle(client)
  return client
}

/** Who `client` sees, `user:activity`, sorted. */
function seen(client: TestClient): string {
  return [...client.live().values()]
    .map((s) => `${s.user.id}:${s.activity}`)
    .sort()
    .join(',')
}

/**
 * `count` new mailbox ids whose channels live on `count` different masters (so their rooms
 * spread over the shards), the first one on the master of `first` when given.
 */
async function mailboxesOnShards(
  cluster: RedisCluster,
  count: number,
  sameShardAs?: string,
): Promise<{ id: string; master: number }[]> {
  const out: { id: string; master: number }[] = []
  const wanted = sameShardAs === undefined ? undefined : await cluster.masterOf(sameShardAs)
  for (let i = 0; out.length < count && i < 200; i++) {
    const id = `mb${process.pid}x${++counter}`
    const master = await cluster.masterOf(roomChannel(PREFIX, mailboxRoom(id))!)
    if (out.some((m) => m.master === master)) continue
    if (out.length === 0 && wanted !== undefined && master !== wanted) continue
    out.push({ id, master })
  }
  expect(out).toHaveLength(count)
  return out
}

/** Summaries a mailbox list client sees: conversation -> `user:activity,...`. */
function rows(list: TestClient): Record<string, string> {
  const out: Record<string, string> = {}
  for (const state of list.live().values()) {
    const summary = readMailboxSummary(state) as MailboxSummary | null
    if (summary !== null) {
      out[summary.conversation] = summary.viewers.map((v) => `${v.user.id}:${v.activity}`).join()
    }
  }
  return out
}

describe('relays sharing rooms through a Redis Cluster (sharded pub/sub)', () => {
  it('tabs on two nodes see each other, removals and list summaries cross, and each mailbox lives on its own shard', async () => {
    const cluster = await startRedisCluster()
    const [a, b] = await Promise.all([
      startNode(cluster.url, 'node-a'),
      startNode(cluster.url, 'node-b'),
    ])
    const mailboxes = await mailboxesOnShards(cluster, 3)
    let clientId = 100
    for (const { id } of mailboxes) {
      const r = conversationRoom(id, 'c1')
      const alice = await tabIn(a!, r, 'alice', ++clientId, id)
      const bob = await tabIn(b!, r, 'bob', ++clientId, id)
      await expect.poll(() => seen(alice), { timeout: 3000 }).toBe('bob:viewing')
      await expect.poll(() => seen(bob), { timeout: 3000 }).toBe('alice:viewing')
    }
    // Each mailbox's channel is subscribed on its own master, and only there; the nodes
    // channel on one master; nothing on classic pub/sub (which every shard would carry).
    const masters = [...new Set(mailboxes.map((m) => m.master))]
    expect(masters).toHaveLength(3)
    const nodesMaster = await cluster.masterOf(nodesChannel(PREFIX))
    for (const port of masters) {
      const expected = mailboxes
        .filter((m) => m.master === port)
        .map((m) => roomChannel(PREFIX, mailboxRoom(m.id))!)
      if (port === nodesMaster) expected.push(nodesChannel(PREFIX))
      expect(await cluster.shardChannels(port)).toEqual(expected.sort())
      expect(await cluster.cli(port, 'pubsub', 'channels')).toBe('')
      // Both relay nodes subscribe there.
      for (const channel of expected) {
        expect(await cluster.cli(port, 'pubsub', 'shardnumsub', channel)).toBe(`${channel}\n2`)
      }
    }

    // The list page of the first mailbox opens on node A; Carol is in another conversation
    // of that mailbox on node B: her row reaches the list, and goes when her tab closes.
    const { id } = mailboxes[0]!
    const list = await join(a as never, mailboxRoom(id), 'erin', {
      rooms: [`mailbox/${id}`, `mailbox/${id}/*`],
    })
    await settle(list)
    const carol = await tabIn(b!, conversationRoom(id, 'c2'), 'carol', ++clientId, id)
    await expect
      .poll(() => rows(list), { timeout: 3000 })
      .toEqual({ c1: 'alice:viewing,bob:viewing', c2: 'carol:viewing' })
    // Removal crosses nodes: Carol's socket ends (no "going away": removed at once).
    const dave = await tabIn(b!, conversationRoom(id, 'c1'), 'dave', ++clientId, id)
    const aliceAgain = await tabIn(a!, conversationRoom(id, 'c1'), 'alice', ++clientId, id)
    await expect
      .poll(() => seen(aliceAgain), { timeout: 3000 })
      .toBe('alice:viewing,bob:viewing,dave:viewing')
    carol.ws.terminate()
    dave.setState(clientId - 1, 2, null)
    await expect.poll(() => rows(list)['c2'], { timeout: 3000 }).toBeUndefined()
    await expect.poll(() => seen(aliceAgain), { timeout: 3000 }).toBe('alice:viewing,bob:viewing')
  }, 120_000)

  it('a shard master killed with SIGKILL: its replica takes over and presence across nodes resumes, lost changes healed', async () => {
    const cluster = await startRedisCluster()
    // The longest refresh, so that only the resync can heal the lost change within the test.
    const env = { SIGHTLINE_REFRESH_INTERVAL_MS: '29000' }
    const [a, b] = await Promise.all([
      startNode(cluster.url, 'node-a', env),
      startNode(cluster.url, 'node-b', env),
    ])
    // The worst case: the mailbox on the shard that also carries the nodes channel, so
    // heartbeats stop too while it fails over.
    const [{ id, master }] = (await mailboxesOnShards(cluster, 1, nodesChannel(PREFIX))) as [
      { id: string; master: number },
    ]
    const r = conversationRoom(id, 'c1')
    const alice = await tabIn(a!, r, 'alice', 201, id)
    const bob = await tabIn(b!, r, 'bob', 202, id)
    await expect.poll(() => seen(alice), { timeout: 3000 }).toBe('bob:viewing')
    await expect.poll(() => seen(bob), { timeout: 3000 }).toBe('alice:viewing')

    const killedAt = performance.now()
    await cluster.nodes.find((n) => n.port === master)!.kill()
    // While the shard is down, Bob starts replying: this message is lost (at most once).
    bob.setState(202, 2, presence('bob', { activity: 'replying' }))
    await cluster.waitHealthy(30_000)
    const failoverMs = performance.now() - killedAt
    const channel = roomChannel(PREFIX, mailboxRoom(id))!
    const promoted = await cluster.masterOf(channel)
    expect(promoted).not.toBe(master)
    // The change made during the failover reaches Alice, and Bob still sees Alice.
    await expect.poll(() => seen(alice), { timeout: 15_000, interval: 20 }).toBe('bob:replying')
    const healedMs = performance.now() - killedAt
    await expect.poll(() => seen(bob), { timeout: 5000 }).toBe('alice:viewing')
    // A tab arriving after the failover is seen across nodes within the usual second.
    const aliceInC2 = await tabIn(a!, conversationRoom(id, 'c2'), 'alice', 204, id)
    const joinedAt = performance.now()
    const carol = await tabIn(b!, conversationRoom(id, 'c2'), 'carol', 203, id)
    await expect.poll(() => seen(aliceInC2), { timeout: 3000, interval: 20 }).toBe('carol:viewing')
    const joinMs = performance.now() - joinedAt
    await expect.poll(() => seen(carol), { timeout: 3000 }).toBe('alice:viewing')
    // Both relays stayed ready throughout (one shard failing over is not the bus down), and
    // are subscribed on the promoted master.
    for (const node of [a!, b!]) expect(node.output()).not.toContain('bus disconnected')
    expect(await cluster.cli(promoted, 'pubsub', 'shardnumsub', channel)).toBe(`${channel}\n2`)
    console.log(
      `redis cluster failover: replica promoted ${Math.round(failoverMs)} ms after SIGKILL; ` +
        `the lost change healed ${Math.round(healedMs)} ms after it; a new tab seen across ` +
        `nodes ${Math.round(joinMs)} ms after joining; peers declared down meanwhile: ` +
        `${[a!, b!].filter((n) => n.output().includes('node down')).length} of 2 nodes`,
    )
    // The bound on the relays' part, after the cluster's own failover (node timeout 1 s plus
    // the election, 2-4 s here): ioredis noticing the new topology (its slot refresh, 1 s),
    // resubscribing and the resync's round trip. Without the resync the change would wait for
    // the relay's refresh (29 s here).
    expect(healedMs - failoverMs).toBeLessThan(5000)
  }, 120_000)
})
