/**
 * The seam between the relay's core and its socket layer. The core (connection.ts) sees one
 * client socket through `RelaySocket` and is told of its events through `SocketHandler`;
 * a socket layer (ws-transport.ts over `ws`) implements both ends. Nothing in core/ imports a
 * WebSocket library.
 */

/** One accepted client WebSocket, as the core uses it. */
export interface RelaySocket {
  /** Open: frames can be sent. */
  readonly open: boolean
  /** Closed for good (the close handshake ended or the socket was dropped). */
  readonly closed: boolean
  /** Bytes queued to send and not yet handed to the kernel. */
  readonly bufferedAmount: number
  /** Sends one binary frame (a no-op unless open). */
  send(frame: Uint8Array): void
  /** Batches this socket's writes of the current event-loop turn into one (turn-cork.ts). */
  cork(): void
  /** Sends a WebSocket ping (a no-op unless open). */
  ping(): void
  /**
   * Starts the close handshake with `code` and `reason`; false (and nothing sent) when the
   * socket is already closing or closed.
   */
  close(code: number, reason: string): boolean
  /** Drops the socket at once, without a close handshake. */
  terminate(): void
  /** Resolves once the socket is closed. */
  whenClosed(): Promise<void>
  /** Routes the socket's events to `handler` from now on (once, right after it is accepted). */
  attach(handler: SocketHandler): void
}

/** What a socket layer tells the core about one socket. */
export interface SocketHandler {
  /** A whole message arrived (`binary` false: a text frame, which the relay refuses). */
  socketMessage(bytes: Uint8Array, binary: boolean): void
  /** The client answered a ping. */
  socketPong(): void
  /** The socket closed; `code` is the one the client sent (1005 when none, 1006 abnormal). */
  socketClosed(code: number): void
  socketError(error: Error): void
}
