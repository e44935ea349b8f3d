/**
 * What the cluster needs from a bus: one Redis (redis-transport.ts), a Redis Cluster
 * (redis-cluster-transport.ts), or an in-memory one in the unit tests; and what the two Redis
 * transports share.
 */
import type { Logger } from 'pino'

export interface BusTransport {
  /** The bus is up: on one Redis both connections; on a cluster, the cluster client. */
  readonly connected: boolean
  publish(channel: string, bytes: Uint8Array): void
  subscribe(channel: string): Promise<void>
  unsubscribe(channel: string): void
  onMessage(handler: (channel: string, bytes: Uint8Array) => void): void
  /**
   * Called when `connected` changes; and called with true again, `connected` staying true,
   * when part of the bus came back (a Redis Cluster shard failed over and this node's
   * channels there are subscribed again), so that the cluster resyncs what it may have missed.
   */
  onStatus(handler: (connected: boolean) => void): void
  close(): Promise<void>
}

/**
 * A `bus error` logger that skips the same message again within `repeatMs`: the connections
 * of one bus fail together when Redis goes away, one line per failure is enough.
 */
export function busErrorLogger(log: Logger, repeatMs: number): (error: Error) => void {
  let lastError = ''
  let lastErrorAt = 0
  return (error) => {
    const now = Date.now()
    if (error.message === lastError && now - lastErrorAt < repeatMs) return
    lastError = error.message
    lastErrorAt = now
    log.warn({ err: error.message }, 'bus error')
  }
}

/** How long closing waits for Redis to acknowledge QUIT (ms). */
export const CLOSE_WAIT_MS = 500

/**
 * QUIT lets what was published (the goodbye) reach Redis first; a Redis that does not answer
 * within CLOSE_WAIT_MS is simply disconnected.
 */
export async function quitThenDisconnect(
  clients: readonly { quit(): Promise<unknown>; disconnect(): void }[],
): Promise<void> {
  const quit = Promise.allSettled(clients.map((c) => c.quit()))
  await Promise.race([quit, new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS))])
  for (const c of clients) c.disconnect()
}

/** A message's bytes as ioredis publishes them (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** A received message's bytes (no copy). */
export function asBytes(message: Buffer): Uint8Array {
  return new Uint8Array(message.buffer, message.byteOffset, message.length)
}
