/**
 * A loopback TCP proxy between a client (a browser page, a presence client) and the relay
 * that can turn into a black hole, as when a network path dies silently: nothing gets through
 * in either direction, and nobody hears of it (no FIN, no RST, not even a close made on the
 * far side meanwhile), so each side's own liveness check is what finds out.
 * Healing behaves as TCP does when a path comes back: what was sent meanwhile is delivered
 * (retransmitted), then any close that happened meanwhile reaches the other side.
 */
import { type AddressInfo, createServer, Socket } from 'node:net'

export interface TcpProxy {
  /** `ws://127.0.0.1:<port>`: give this to the client as its relay URL. */
  readonly url: string
  /** Cuts the path silently. */
  cut(): void
  /** Restores the path: held bytes are delivered, held closes take effect. */
  heal(): void
  close(): Promise<void>
}

interface Pipe {
  readonly to: Socket
  readonly held: Buffer[]
  /** The source closed while the path was cut. */
  closed: boolean
}

/** Starts a proxy on a free loopback port forwarding to `127.0.0.1:targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let cut = false
  const pipes = new Set<Pipe>()
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = new Socket()
    upstream.connect(targetPort, '127.0.0.1')
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      const pipe: Pipe = { to, held: [], closed: false }
      pipes.add(pipe)
      sockets.add(from)
      from.on('data', (chunk) => {
        if (cut) pipe.held.push(chunk)
        else to.write(chunk)
      })
      from.on('close', () => {
        sockets.delete(from)
        if (cut) pipe.closed = true
        else to.destroy()
      })
      from.on('error', () => {})
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `ws://127.0.0.1:${port}`,
    cut() {
      cut = true
    },
    heal() {
      cut = false
      for (const pipe of pipes) {
        for (const chunk of pipe.held.splice(0)) if (!pipe.to.destroyed) pipe.to.write(chunk)
        if (pipe.closed) {
          pipe.to.destroy()
          pipes.delete(pipe)
        }
      }
    },
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
