/**
 * An in-memory stand-in for the relay, for unit tests of the client alone: rooms by URL path,
 * awareness forwarded to the other sockets of the room (clocks untouched), heartbeats answered
 * to their sender, a new socket greeted as the relay greets it (the room document as sync
 * step 2, then every current state), and the states a socket wrote removed for everyone when
 * it closes. A refused socket opens and is closed without a frame, as the relay refuses
 * after the upgrade. Delivery is asynchronous (microtasks).
 */
import {
  type AwarenessEntry,
  encodeAwarenessFrame,
  encodeSyncStep2Frame,
  HEARTBEAT_FRAME,
  isHeartbeatFrame,
  tokenFromSubprotocols,
} from '@sightline/protocol'
import { readAwarenessEntries } from '@sightline/testkit'
import * as Y from 'yjs'
import type { WebSocketCtor, WebSocketLike } from '../src/websocket-like.js'

/** The relay's greeting for a room whose document is empty. */
const EMPTY_DOCUMENT_FRAME = encodeSyncStep2Frame(Y.encodeStateAsUpdate(new Y.Doc()))

type Handler = ((event: never) => void) | null

export interface FakeSocket extends WebSocketLike {
  readonly url: string
  readonly room: string
  readonly token: string
  /** Every frame this socket sent, in order. */
  readonly sent: Uint8Array[]
  /** The relay closes this socket with `code` and `reason` (default empty, as `ws` sends). */
  serverClose(code: number, reason?: string): void
}

export interface FakeNetwork {
  readonly WebSocket: WebSocketCtor
  /** Every socket ever opened, in order. */
  readonly sockets: FakeSocket[]
  /** While true nothing is delivered in either direction and nothing opens (a black hole). */
  blackHole: boolean
  /**
   * Decides per socket whether it is refused after opening: a close code, or a code and the
   * close reason the relay sends with it.
   */
  refuse: ((socket: FakeSocket) => number | { code: number; reason: string } | null) | null
  /**
   * While true a new socket never opens: it fails as an unreachable or blocked address does
   * in a browser (an error, then close 1006 with no reason).
   */
  unreachable: boolean
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
      if (network.unreachable) {
        this.readyState = 3
        fire(this.onerror, { type: 'error' })
        fire(this.onclose, { code: 1006, reason: '' })
        return
      }
      this.readyState = 1
      fire(this.onopen, { type: 'open' })
      const refusal = network.refuse?.(this) ?? null
      if (refusal !== null) {
        if (typeof refusal === 'number') this.serverClose(refusal)
        else this.serverClose(refusal.code, refusal.reason)
        return
      }
      const room = roomOf(this.room)
      room.sockets.add(this)
      this.receive(EMPTY_DOCUMENT_FRAME)
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

    close(code = 1000, reason = '') {
      if (this.readyState >= 2) return
      this.readyState = 3
      this.#leave()
      queueMicrotask(() => fire(this.onclose, { code, reason }))
    }

    serverClose(code: number, reason = '') {
      this.close(code, reason)
    }
  }

  const network: FakeNetwork = {
    WebSocket: Socket,
    sockets: [],
    blackHole: false,
    refuse: null,
    unreachable: false,
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
