/**
 * Slowloris guard: every TCP connection must complete its HTTP request or WebSocket upgrade
 * headers within `timeoutMs`, or it is handed to `onTimeout` (which destroys it). A timer
 * exists only while a handshake is pending; Node's own `headersTimeout` is checked every
 * 30 s only, too coarse for this.
 */
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'

export interface HandshakeGuard {
  /** The handshake on `socket` completed (its headers arrived): stop its timer. */
  settle(socket: Duplex): void
}

export function guardHandshakes(
  server: Server,
  timeoutMs: number,
  onTimeout: (socket: Socket) => void,
): HandshakeGuard {
  const pending = new Map<Duplex, NodeJS.Timeout>()
  const settle = (socket: Duplex) => {
    const timer = pending.get(socket)
    if (timer === undefined) return
    clearTimeout(timer)
    pending.delete(socket)
  }
  // One listener for every socket: a closure per socket would live as long as the socket.
  const onClose = function (this: Duplex) {
    settle(this)
  }
  server.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => {
      pending.delete(socket)
      onTimeout(socket)
    }, timeoutMs)
    timer.unref()
    pending.set(socket, timer)
    socket.on('close', onClose)
  })
  server.on('request', (req) => settle(req.socket))
  return { settle }
}
