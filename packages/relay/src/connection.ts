/**
 * One admitted WebSocket in one room. It turns socket events into room calls, keeps the
 * liveness bookkeeping the sweep reads, and maps every failure to a documented close code:
 * a bad frame closes this socket only, never the relay or another room.
 */
import { CloseCode, CloseReason, type SightlineClaims } from '@sightline/protocol'
import type { Logger } from 'pino'
import { type RawData, WebSocket } from 'ws'
import { isRelayError, RelayErrorCode } from './errors.js'
import type { Room, RoomPeer } from './room.js'
import type { RoomRegistry } from './room-registry.js'

/** Forged writes tolerated per connection before it is closed with 1008. */
export const MAX_FORGED_WRITES = 10

export interface ConnectionInit {
  readonly id: string
  readonly ws: WebSocket
  readonly roomName: string
  readonly claims: SightlineClaims
  readonly rooms: RoomRegistry
  readonly log: Logger
  /** Called once when the connection has left its room. */
  readonly onGone: (connection: Connection) => void
}

export class Connection implements RoomPeer {
  readonly id: string
  readonly claims: SightlineClaims
  readonly log: Logger
  /** Monotonic ms of the last inbound frame or pong. */
  lastSeen = performance.now()
  /** Whether a ping was sent during the current silence. */
  pinged = false
  forgedWrites = 0
  readonly #ws: WebSocket
  readonly #rooms: RoomRegistry
  readonly #room: Room
  readonly #onGone: (connection: Connection) => void
  #gone = false

  constructor(init: ConnectionInit) {
    this.id = init.id
    this.claims = init.claims
    this.log = init.log
    this.#ws = init.ws
    this.#rooms = init.rooms
    this.#onGone = init.onGone
    this.#ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary))
    this.#ws.on('pong', () => this.#seen())
    this.#ws.on('close', (code) => {
      this.log.debug({ code }, 'connection closed')
      this.#leave()
    })
    this.#ws.on('error', (error) => this.log.warn({ err: error.message }, 'socket error'))
    this.#room = this.#rooms.join(init.roomName, this)
  }

  get subject(): string {
    return this.claims.sub
  }

  get roomName(): string {
    return this.#room.name
  }

  send(frame: Uint8Array): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(frame)
  }

  ping(): void {
    this.pinged = true
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.ping()
  }

  /** Closes with `code` and removes this connection's states for everyone at once. */
  close(code: number): void {
    this.#leave()
    if (this.#ws.readyState === WebSocket.OPEN || this.#ws.readyState === WebSocket.CONNECTING) {
      this.#ws.close(code, CloseReason[code as CloseCode] ?? '')
    }
  }

  /** Drops the socket without a close handshake (it stopped answering). */
  terminate(): void {
    this.#leave()
    this.#ws.terminate()
  }

  /** Resolves when the socket is closed (for an orderly relay shutdown). */
  closed(): Promise<void> {
    if (this.#ws.readyState === WebSocket.CLOSED) return Promise.resolve()
    return new Promise((resolve) => this.#ws.once('close', () => resolve()))
  }

  #seen(): void {
    this.lastSeen = performance.now()
    this.pinged = false
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#gone) return
    this.#seen()
    if (!isBinary) {
      this.log.info('text frame')
      this.close(CloseCode.BadFrame)
      return
    }
    try {
      const { forged } = this.#room.receive(this, toBytes(data))
      if (forged > 0) this.#countForged(forged)
    } catch (error) {
      this.#fail(error)
    }
  }

  #countForged(n: number): void {
    this.forgedWrites += n
    this.log.info(
      { forged: this.forgedWrites },
      'dropped writes to client IDs of other connections',
    )
    if (this.forgedWrites > MAX_FORGED_WRITES) this.close(CloseCode.PolicyViolation)
  }

  #fail(error: unknown): void {
    if (isRelayError(error, RelayErrorCode.BadFrame)) {
      this.log.info({ reason: error.message }, 'bad frame')
      this.close(CloseCode.BadFrame)
    } else if (isRelayError(error, RelayErrorCode.IdentityMismatch)) {
      this.log.warn({ reason: error.message }, 'identity mismatch')
      this.close(CloseCode.PolicyViolation)
    } else {
      this.log.error({ err: error }, 'unexpected error handling a frame')
      this.close(CloseCode.InternalError)
    }
  }

  #leave(): void {
    if (this.#gone) return
    this.#gone = true
    this.#rooms.leave(this.#room, this)
    this.#onGone(this)
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data)
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return data
}
