/**
 * A loopback TCP proxy that can turn into a black hole: it stops forwarding bytes in both
 * directions without closing anything, like a network cut silently. Closed after the test.
 */

import type { AddressInfo } from 'node:net'
import { createServer, type Socket } from 'node:net'
import { onTestFinished } from 'vitest'

export interface TcpProxy {
  /** `ws://127.0.0.1:<port>` of the proxy. */
  readonly url: string
  /** While true, bytes are swallowed (connections stay open). */
  blackHole: boolean
}

export async function startProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  const proxy: TcpProxy = { url: '', blackHole: false }
  const server = createServer((client) => {
    const upstream = new (client.constructor as typeof Socket)()
    upstream.connect(targetPort, '127.0.0.1')
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from)
      from.on('data', (chunk) => {
        if (!proxy.blackHole) to.write(chunk)
      })
      from.on('close', () => to.destroy())
      from.on('error', () => to.destroy())
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(async () => {
    for (const s of sockets) s.destroy()
    await new Promise((resolve) => server.close(resolve))
  })
  const { port } = server.address() as AddressInfo
  return Object.assign(proxy, { url: `ws://127.0.0.1:${port}` })
}
