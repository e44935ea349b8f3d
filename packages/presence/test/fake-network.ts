/**
 * An in-memory stand-in for the relay, for unit tests of the client alone: rooms by URL path,
 * awareness forwarded to the other sockets of the room (clocks untouched), heartbeats answered
 * to their sender, a new socket greeted with every current state, and the states a socket
 * wrote removed for everyone when it closes. Delivery is asynchronous (microtasks).
 */
import {
  type AwarenessEntry,
  encodeAwarenessFrame,
  HEARTBEAT_FRAME,
  isHeartbeatFrame,
  tokenFromSubprotocols,
} from '@sightline/protocol'
import { readAwarenessEntries } from '@sightline/testkit'
import type { WebSocketCtor, WebSocketLike } from '../src/websocket-like.js'

type Handler = ((event: never) => void) | null

export interface FakeSocket extends WebSocketLike {
  readonly url: string
  readonly room: string
  readonly token: string
  /** Every frame this socket sent, in order. */
  readonly sent: Uint8Array[]
  /** The relay closes this socket with `code`. */
  serverClose(code: number): void
}

export interface FakeNetwork {
  readonly WebSocket: WebSocketCtor
  /** Every socket ever opened, in order. */
  readonly sockets: FakeSocket[]
  /** While true nothing is delivered in either direction and nothing opens (a black hole). */
  blackHole: boolean
  /** Decides per URL whether a new socket is refused with a close code after opening. */
  refuse: ((socket: FakeSocket) => number | null) | null
  /** Current states per room, by client ID. */
  states(room: string): Map<number, AwarenessEntry>
}

export function createFakeNetwork(): FakeNetwork {
  const rooms = new Map<string, { sockets: Set<Socket>; states: Map<number, AwarenessEntry> }>()
  const owners = new Map<number, Socket>()

  const roomOf = (name: string) => {
    let room = rooms.get(name)
    if (room === undefined) {
      room = { sockets: new Set(), states: new Map() }
      rooms.set(name, room)
    }
    return room
  }

  const fire = (handler: Handler, event: unknown) => {
    ;(handler as ((event: unknown) => void) | null)?.(event)
  }

  class Socket implements FakeSocket {
    binaryType = 'blob'
    readyState = 0
    onopen: Handler = null
    onmessage: Handler = null
    onclose: Handler = null
    onerror: Handler = null
    readonly sent: Uint8Array[] = []
    readonly room: string
    readonly token: string

    constructor(
      readonly url: string,
      protocols?: string | string[],
    ) {
      const parsed = new URL(url)
      this.room = parsed.pathname.slice(1)
      // The token travels as a subprotocol (the client's default) or in the query.
      const offered = Array.isArray(protocols) ? protocols.join(',') : protocols
      this.token = tokenFromSubprotocols(offered) ?? parsed.searchParams.get('token') ?? ''
      network.sockets.push(this)
      queueMicrotask(() => this.#open())
    }

    #open() {
      if (this.readyState !== 0 || network.blackHole) return
      this.readyState = 1
      fire(this.onopen, { type: 'open' })
      const refusal = network.refuse?.(this) ?? null
      if (refusal !== null) {
        this.serverClose(refusal)
        return
      }
      const room = roomOf(this.room)
      room.sockets.add(this)
      if (room.states.size > 0) this.receive(encodeAwarenessFrame([...room.states.values()]))
    }

    receive(frame: Uint8Array) {
      queueMicrotask(() => {
        if (this.readyState !== 1 || network.blackHole) return
        fire(this.onmessage, { data: frame.slice().buffer })
      })
    }

    send(data: Uint8Array<ArrayBuffer>) {
      if (this.readyState !== 1) throw new Error('socket not open')
      const frame = data.slice()
      this.sent.push(frame)
      if (network.blackHole) return
      queueMicrotask(() => this.#serve(frame))
    }

    #serve(frame: Uint8Array) {
      const room = rooms.get(this.room)
      if (room === undefined || !room.sockets.has(this)) return
      if (isHeartbeatFrame(frame)) {
        this.receive(HEARTBEAT_FRAME)
        return
      }
      const entries = readAwarenessEntries(frame)
      if (entries === null) return
      for (const e of entries) {
        owners.set(e.clientId, this)
        if (e.json === 'null') room.states.delete(e.clientId)
        else room.states.set(e.clientId, e)
      }
      this.#broadcast(room, encodeAwarenessFrame(entries))
    }

    #broadcast(room: { sockets: Set<Socket> }, frame: Uint8Array) {
      for (const other of room.sockets) if (other !== this) other.receive(frame)
    }

    #leave() {
      const room = rooms.get(this.room)
      if (room === undefined || !room.sockets.delete(this)) return
      const removed: AwarenessEntry[] = []
      for (const [id, entry] of room.states) {
        if (owners.get(id) !== this) continue
        room.states.delete(id)
        owners.delete(id)
        removed.push({ clientId: id, clock: entry.clock + 1, json: 'null' })
      }
      if (removed.length > 0) this.#broadcast(room, encodeAwarenessFrame(removed))
    }

    close(code = 1000) {
      if (this.readyState >= 2) return
      this.readyState = 3
      this.#leave()
      queueMicrotask(() => fire(this.onclose, { code }))
    }

    serverClose(code: number) {
      this.close(code)
    }
  }

  const network: FakeNetwork = {
    WebSocket: Socket,
    sockets: [],
    blackHole: false,
    refuse: null,
    states: (room) => roomOf(room).states,
  }
  return network
}

/** A JWT-shaped token with `claims` (unsigned: the fake network does not verify). */
export function fakeToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'none' })}.${part(claims)}.x`
}

/** The awareness entries in a frame a client sent, or null for other frames. */
export function sentEntries(frame: Uint8Array): AwarenessEntry[] | null {
  return readAwarenessEntries(frame)
}
