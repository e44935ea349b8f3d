/**
 * The bus transport of cluster mode: Redis pub/sub through ioredis, with one connection to
 * publish and one to subscribe (a subscribed Redis connection can do nothing else). Messages
 * travel as Buffers. ioredis reconnects with backoff and resubscribes by itself; publishing
 * while disconnected fails at once (no offline queue, so an outage cannot pile up memory)
 * and is counted. Redis pub/sub delivers at most once: the cluster heals lost messages by
 * heartbeats, the relay's refresh and a resync after each reconnection (cluster.ts).
 */
import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import {
  asBuffer,
  asBytes,
  type BusTransport,
  busErrorLogger,
  quitThenDisconnect,
} from './bus-transport.js'
import { createRedisClusterTransport } from './redis-cluster-transport.js'
import { parseRedisUrl } from './redis-url.js'

/** An error the other connection already logged this recently (ms) is not logged again. */
const ERROR_REPEAT_MS = 100

export type { BusTransport }

/**
 * Connects to Redis at `url`: one Redis (redis://[user:pass@]host:port[/db], rediss:// for
 * TLS), or a Redis Cluster (redis-cluster://host:port[,host:port...], sharded pub/sub:
 * redis-cluster-transport.ts). The URL's syntax: redis-url.ts.
 */
export function createRedisTransport(url: string, log: Logger): BusTransport {
  const target = parseRedisUrl(url)
  if (target.mode === 'cluster') return createRedisClusterTransport(target, log)
  return createSingleRedisTransport(url, log)
}

function createSingleRedisTransport(url: string, log: Logger): BusTransport {
  const common = { lazyConnect: false, maxRetriesPerRequest: 1 }
  const pub = new Redis(url, { ...common, enableOfflineQueue: false })
  const sub = new Redis(url, { ...common })
  let connected = false
  let statusHandler: (connected: boolean) => void = () => {}
  const update = () => {
    const now = pub.status === 'ready' && sub.status === 'ready'
    if (now === connected) return
    connected = now
    log.info({ connected }, now ? 'bus connected' : 'bus disconnected')
    statusHandler(now)
  }
  // Both connections fail together when Redis goes away: one line per failure, not one per
  // connection (the same message from the other connection within ERROR_REPEAT_MS is skipped).
  const onError = busErrorLogger(log, ERROR_REPEAT_MS)
  for (const client of [pub, sub]) {
    client.on('ready', update)
    client.on('close', update)
    client.on('end', update)
    // Errors surface as reconnections; log them, never crash.
    client.on('error', onError)
  }
  return {
    get connected() {
      return connected
    },
    publish(channel, bytes) {
      if (!connected) return
      pub
        .publish(channel, asBuffer(bytes))
        .catch((error: Error) => log.debug({ err: error.message }, 'bus publish failed'))
    },
    async subscribe(channel) {
      await sub.subscribe(channel)
    },
    unsubscribe(channel) {
      sub.unsubscribe(channel).catch(() => {})
    },
    onMessage(handler) {
      sub.on('messageBuffer', (channel: Buffer, message: Buffer) => {
        handler(channel.toString(), asBytes(message))
      })
    },
    onStatus(handler) {
      statusHandler = handler
    },
    close: () => quitThenDisconnect([pub, sub]),
  }
}
