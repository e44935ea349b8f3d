/**
 * A loopback TCP proxy between one browser page and the relay that can turn into a black
 * hole: bytes stop flowing both ways while every socket stays open, as when a network path
 * dies silently (no FIN, no RST). Healing lets bytes flow again; whatever was swallowed is lost.
 */
import { type AddressInfo, createServer, type Socket } from 'node:net'

export interface TcpProxy {
  /** `ws://127.0.0.1:<port>`: give this to the page as its relay URL. */
  readonly url: string
  /** While true, bytes are swallowed and connections stay open. */
  blackHole: boolean
  close(): Promise<void>
}

/** Starts a proxy on a free loopback port forwarding to `127.0.0.1:targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
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
      from.on('close', () => {
        sockets.delete(from)
        to.destroy()
      })
      from.on('error', () => to.destroy())
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const proxy: TcpProxy = {
    url: `ws://127.0.0.1:${port}`,
    blackHole: false,
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
  return proxy
}
