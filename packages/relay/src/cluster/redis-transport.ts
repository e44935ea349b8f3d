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

/** How long closing waits for Redis to acknowledge QUIT (ms). */
const CLOSE_WAIT_MS = 500
/** An error the other connection already logged this recently (ms) is not logged again. */
const ERROR_REPEAT_MS = 100

/** What the cluster needs from a bus (an in-memory one serves the unit tests). */
export interface BusTransport {
  /** Both connections are up. */
  readonly connected: boolean
  publish(channel: string, bytes: Uint8Array): void
  subscribe(channel: string): Promise<void>
  unsubscribe(channel: string): void
  onMessage(handler: (channel: string, bytes: Uint8Array) => void): void
  /** Called when `connected` changes. */
  onStatus(handler: (connected: boolean) => void): void
  close(): Promise<void>
}

/** Connects to Redis at `url` (redis://[user:pass@]host:port[/db], rediss:// for TLS). */
export function createRedisTransport(url: string, log: Logger): BusTransport {
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
  let lastError = ''
  let lastErrorAt = 0
  const onError = (error: Error) => {
    const now = Date.now()
    if (error.message === lastError && now - lastErrorAt < ERROR_REPEAT_MS) return
    lastError = error.message
    lastErrorAt = now
    log.warn({ err: error.message }, 'bus error')
  }
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
        .publish(channel, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
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
        handler(
          channel.toString(),
          new Uint8Array(message.buffer, message.byteOffset, message.length),
        )
      })
    },
    onStatus(handler) {
      statusHandler = handler
    },
    async close() {
      // QUIT lets what was published (the goodbye) reach Redis first; a Redis that does not
      // answer within CLOSE_WAIT_MS is simply disconnected.
      const quit = Promise.allSettled([pub.quit(), sub.quit()])
      await Promise.race([quit, new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS))])
      pub.disconnect()
      sub.disconnect()
    },
  }
}
