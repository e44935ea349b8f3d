/**
 * The bus transport on a Redis Cluster: sharded pub/sub (SSUBSCRIBE/SPUBLISH, Redis 7) through
 * ioredis's `Cluster` with one subscriber connection per shard master. A channel lives on the
 * shard of its slot, so a message costs only that shard's CPU and reaches only the nodes
 * subscribed there; plain PUBLISH on a cluster is copied to every shard, which would make each
 * shard carry the whole bus.
 *
 * Placement (channel names: `@sightline/protocol` bus.ts): a mailbox's list and all its
 * conversations share one channel, `<prefix>:m:<mailboxId>`, hence one slot and one shard
 * with no hash tag; mailboxes spread over the shards by the CRC16 of their channel names. The
 * nodes channel (heartbeats, goodbyes) is one channel on one shard: a few small messages per
 * node per second.
 *
 * Failover: when a shard master dies, messages published to its channels are lost until its
 * replica is promoted (at most once, as on one Redis). ioredis notices the new topology
 * (a dead subscriber connection, MOVED, or the slot refresh every `SLOTS_REFRESH_MS`) and
 * moves its subscribers; this transport then subscribes every channel of this node again,
 * waits for the shards to confirm, and reports the bus as connected again (`onStatus(true)`)
 * so that the cluster resyncs: it republishes its own tabs' states and queries its rooms,
 * healing what was lost. The bus counts as connected while the cluster client is ready: one
 * shard failing over does not make every relay unready.
 */
import { Cluster } from 'ioredis'
import type { Logger } from 'pino'
import {
  asBuffer,
  asBytes,
  type BusTransport,
  busErrorLogger,
  quitThenDisconnect,
} from './bus-transport.js'
import type { RedisTarget } from './redis-url.js'

/** How often (ms) the client asks the cluster for its slot map (notices a failover). */
const SLOTS_REFRESH_MS = 1000
/** The same error logged this recently (ms) is not logged again. */
const ERROR_REPEAT_MS = 1000

type ClusterTarget = Extract<RedisTarget, { mode: 'cluster' }>

/** Connects to the Redis Cluster of `target` (its seed nodes). */
export function createRedisClusterTransport(target: ClusterTarget, log: Logger): BusTransport {
  return new ShardedBus(target, log)
}

class ShardedBus implements BusTransport {
  readonly #cluster: Cluster
  readonly #log: Logger
  /** This node's channels, to subscribe again after a failover. */
  readonly #channels = new Set<string>()
  #connected = false
  #everReady = false
  #closing = false
  #resubscribing = false
  #again = false
  #statusHandler: (connected: boolean) => void = () => {}

  constructor(target: ClusterTarget, log: Logger) {
    this.#log = log
    this.#cluster = new Cluster(
      target.seeds.map((s) => ({ host: s.host, port: s.port })),
      {
        shardedSubscribers: true,
        slotsRefreshInterval: SLOTS_REFRESH_MS,
        // Reconnect to the whole cluster with backoff, as on one Redis (up to 2 s).
        clusterRetryStrategy: (times) => Math.min(100 * times, 2000),
        redisOptions: {
          maxRetriesPerRequest: 1,
          ...(target.username === undefined ? {} : { username: target.username }),
          ...(target.password === undefined ? {} : { password: target.password }),
          ...(target.tls ? { tls: {} } : {}),
        },
      },
    )
    const update = () => this.#update()
    for (const event of ['ready', 'close', 'end', 'reconnecting']) this.#cluster.on(event, update)
    this.#cluster.on('subscribersReady', () => {
      // The first start is the `ready` above; later ones are a changed topology.
      if (this.#everReady && !this.#closing) void this.#resubscribe()
    })
    // Errors surface as reconnections and failovers; log them (once per burst), never crash.
    const onError = busErrorLogger(log, ERROR_REPEAT_MS)
    this.#cluster.on('error', onError)
    this.#cluster.on('nodeError', onError)
  }

  get connected(): boolean {
    return this.#connected
  }

  publish(channel: string, bytes: Uint8Array): void {
    if (!this.#connected) return
    this.#cluster
      .spublish(channel, asBuffer(bytes))
      .catch((error: Error) => this.#log.debug({ err: error.message }, 'bus publish failed'))
  }

  async subscribe(channel: string): Promise<void> {
    this.#channels.add(channel)
    await this.#cluster.ssubscribe(channel)
  }

  unsubscribe(channel: string): void {
    this.#channels.delete(channel)
    this.#cluster.sunsubscribe(channel).catch(() => {})
  }

  onMessage(handler: (channel: string, bytes: Uint8Array) => void): void {
    this.#cluster.on('smessageBuffer', (channel: Buffer, message: Buffer) => {
      handler(channel.toString(), asBytes(message))
    })
  }

  onStatus(handler: (connected: boolean) => void): void {
    this.#statusHandler = handler
  }

  async close(): Promise<void> {
    this.#closing = true
    await quitThenDisconnect([this.#cluster])
  }

  #update(): void {
    const now = this.#cluster.status === 'ready'
    if (now === this.#connected) return
    this.#connected = now
    if (now) this.#everReady = true
    this.#log.info({ connected: now }, now ? 'bus connected' : 'bus disconnected')
    this.#statusHandler(now)
  }

  /**
   * After the subscribers moved (a failover, a resharding): subscribes this node's channels
   * again and waits for every shard to confirm, then reports the bus connected again, which
   * resyncs. ioredis resubscribes what it knows by itself but does not wait for it nor say
   * when it is done; a resync sent before the new master took the subscription would be
   * missed by this very node. Subscribing a channel twice is a no-op for Redis (ioredis lists
   * it twice until it is unsubscribed).
   */
  async #resubscribe(): Promise<void> {
    if (this.#resubscribing) {
      this.#again = true
      return
    }
    this.#resubscribing = true
    try {
      do {
        this.#again = false
        await this.#resubscribeOnce()
      } while (this.#again && !this.#closing)
    } finally {
      this.#resubscribing = false
    }
  }

  async #resubscribeOnce(): Promise<void> {
    const list = [...this.#channels]
    const results = await Promise.allSettled(list.map((c) => this.#cluster.ssubscribe(c)))
    const failed = results.filter((r) => r.status === 'rejected').length
    if (failed > 0) {
      this.#log.warn({ failed, channels: list.length }, 'bus resubscribe failed, retrying')
      await new Promise((resolve) => setTimeout(resolve, SLOTS_REFRESH_MS))
      this.#again = true
      return
    }
    if (this.#connected && !this.#closing) {
      this.#log.info({ channels: list.length }, 'bus shards resubscribed')
      this.#statusHandler(true)
    }
  }
}
