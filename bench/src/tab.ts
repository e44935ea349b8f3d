/**
 * One simulated agent tab: a raw `ws` socket that behaves like Sightline's presence client
 * (own entry only, renewal after 15 s against the reference and Hocuspocus only (the
 * Sightline relay refreshes states itself), for Sightline the presence client's liveness (a
 * heartbeat after hearing nothing for a period, a keepalive after sending nothing), answers sync step 1,
 * speaks each server's wire (tab-wire.ts: Hocuspocus's is @hocuspocus/provider's), forgets peers and
 * their clocks when the connection is lost, reconnects with full-jitter backoff),
 * and keeps what y-protocols would keep about its peers: clock, presence, and the bench
 * sequence number of their state.
 *
 * Cheap per tab, so that the generators measure the server and not themselves: no timer per
 * tab (the generator's one ticker drives them), frames written whole to the socket (the fixed
 * ones built once, `#send`), and the server's binary frames read off the socket without ws's
 * receiver (`readBinaryFrames`). The frames, their sizes and their periods are the presence
 * client's; only the masking key differs (zero, where a browser draws one at random).
 */

import type { Socket } from 'node:net'
import { CloseCode, HEARTBEAT_FRAME, isHeartbeatFrame, KEEPALIVE_FRAME } from '@sightline/protocol'
import WebSocket from 'ws'
import type { GeneratorStats, ServerKind } from './generator-protocol.js'
import type { Histogram } from './histogram.js'
import {
  clientFrame,
  constantClientFrame,
  nowUs,
  type SeenEntry,
  stateJson,
  type TabWire,
  tabWire,
  wireBytes,
} from './tab-wire.js'

/** What a tab needs from the generator that hosts it. */
export interface TabHost {
  /** The server the tabs talk to: which wire protocol they speak (tab-wire.ts). */
  readonly serverKind: ServerKind
  readonly stats: GeneratorStats
  readonly latency: Histogram
  readonly connectLatency: Histogram
  readonly reconnect: boolean
  /** Room URL with the token for `tab`; may mint the token. */
  urlFor(tab: Tab): Promise<string>
  localAddressFor(tab: Tab): string
  /** A peer's removal reached `receiver`. */
  onRemovalSeen(receiver: Tab, clientId: number): void
  /** A peer appeared for `receiver` (presence restored). */
  onPresenceChange(receiver: Tab): void
  /** An unexpected close or a failed connect. */
  onLost(tab: Tab, neverOpened: boolean): void
  /** The error of a socket that never opened (port exhaustion, fd limit, refused, ...). */
  onConnectError?(tab: Tab, error: Error): void
  /** `receiver` got a new state of `senderId` (cluster runs count those crossing nodes). */
  onChangeDelivered?(receiver: Tab, senderId: number): void
}

interface PeerView {
  clock: number
  present: boolean
  seq: number
}

/** The parts of ws 8's WebSocket that `readBinaryFrames` takes over. */
interface WsInternals {
  readonly _socket: Socket | null
  readonly _receiver: { readonly _bufferedBytes: number } | null
}

/** End (exclusive) of the WebSocket frame at `at` in `buf`; -1 while it is incomplete. */
function frameEnd(buf: Buffer, at: number): number {
  const left = buf.length - at
  if (left < 2) return -1
  const b1 = buf[at + 1]!
  let len = b1 & 0x7f
  let header = 2
  if (len === 126) {
    if (left < 4) return -1
    len = buf.readUInt16BE(at + 2)
    header = 4
  } else if (len === 127) {
    if (left < 10) return -1
    len = Number(buf.readBigUInt64BE(at + 2))
    header = 10
  }
  if (b1 & 0x80) header += 4
  return header + len <= left ? at + header + len : -1
}

/**
 * Reads the server's frames off the socket itself: a whole, unfragmented, unmasked binary
 * frame (FIN, no RSV bit, opcode 2: every frame a presence server sends but pings) goes to
 * `onBinary` as its payload, the same bytes as ws's `message` event would give; every other
 * frame (ping, pong, close, fragments, anything odd) goes to ws's own receiver, bytes
 * unchanged and in order, which handles it as before (pong, close codes, errors). This saves
 * ws's Writable receiver per frame. Changes nothing when ws's receiver is mid-frame.
 */
function readBinaryFrames(ws: WebSocket, onBinary: (payload: Buffer) => void): void {
  const { _socket: socket, _receiver: receiver } = ws as unknown as WsInternals
  if (socket === null || receiver === null || receiver._bufferedBytes !== 0) return
  const listeners = socket.listeners('data')
  if (listeners.length !== 1) return
  const wsOnData = listeners[0] as (this: Socket, chunk: Buffer) => void
  socket.removeListener('data', wsOnData)
  let pending: Buffer | null = null
  let fragmented = false
  socket.on('data', (chunk: Buffer) => {
    const buf = pending === null ? chunk : Buffer.concat([pending, chunk])
    pending = null
    let at = 0
    let toWs = -1
    for (let end = frameEnd(buf, at); end !== -1; at = end, end = frameEnd(buf, at)) {
      const b0 = buf[at]!
      if (!fragmented && b0 === 0x82 && (buf[at + 1]! & 0x80) === 0) {
        if (toWs !== -1) wsOnData.call(socket, buf.subarray(toWs, at))
        toWs = -1
        const len = buf[at + 1]!
        onBinary(buf.subarray(at + (len < 126 ? 2 : len === 126 ? 4 : 10), end))
        continue
      }
      const opcode = b0 & 0x0f
      // A message in fragments goes to ws whole, control frames amid it included.
      if (opcode === 1 || opcode === 2) fragmented = (b0 & 0x80) === 0
      else if (opcode === 0 && (b0 & 0x80) !== 0) fragmented = false
      if (toWs === -1) toWs = at
    }
    if (toWs !== -1) wsOnData.call(socket, buf.subarray(toWs, at))
    if (at < buf.length) pending = Buffer.from(buf.subarray(at))
  })
}

export type TabStatus = 'new' | 'connecting' | 'open' | 'reconnecting' | 'closed' | 'silent'

const RECONNECT_MIN_MS = 250
const RECONNECT_MAX_MS = 5000

export class Tab {
  readonly clientId: number
  readonly agentId: string
  readonly name: string
  readonly room: string
  /** Number of tabs in the room, this one included. */
  readonly roomSize: number
  status: TabStatus = 'new'
  /** Peers currently present for this tab. */
  presentPeers = 0
  /** Monotonic ms of the last state this tab sent (renewal timing). */
  lastSentAt = 0
  /** Monotonic ms of the last frame written and heard (the presence client's liveness clock). */
  #wroteAt = 0
  #heardAt = 0
  #ws: WebSocket | null = null
  /** y-protocols starts at 0 and bumps it for the first real state: receivers ignore clock 0. */
  #clock = 1
  #seq = 0
  #activity: 'viewing' | 'replying' = 'viewing'
  #since = Date.now()
  #json = ''
  #openedAtUs = 0
  #attempt = 0
  readonly #peers = new Map<number, PeerView>()
  readonly #host: TabHost
  readonly #wire: TabWire

  constructor(host: TabHost, clientId: number, room: string, roomSize: number) {
    this.#host = host
    this.#wire = tabWire(host.serverKind, room)
    this.clientId = clientId
    this.agentId = `agent-${clientId}`
    this.name = `Agent ${clientId}`
    this.room = room
    this.roomSize = roomSize
    this.#json = this.#stateJson()
  }

  /** Opens the socket; resolves once it is open or has failed. */
  connect(): Promise<boolean> {
    this.status = this.status === 'new' ? 'connecting' : this.status
    return this.#host.urlFor(this).then(
      (url) =>
        new Promise<boolean>((resolve) => {
          const startedUs = nowUs()
          const ws = new WebSocket(url, {
            perMessageDeflate: false,
            localAddress: this.#host.localAddressFor(this),
            handshakeTimeout: 30_000,
          })
          this.#ws = ws
          let opened = false
          ws.on('open', () => {
            opened = true
            this.#host.connectLatency.record(nowUs() - startedUs)
            readBinaryFrames(ws, this.#onBinary)
            this.#onOpen()
            resolve(true)
          })
          ws.on('message', (data: Buffer) => this.#onMessage(data))
          ws.on('ping', () => {
            const s = this.#host.stats
            s.pingsRx++
            s.framesRx++
            s.bytesRx += wireBytes(0, false)
            s.framesTx++
            s.bytesTx += wireBytes(0, true)
          })
          ws.on('error', (error: Error) => {
            if (!opened) this.#host.onConnectError?.(this, error)
          })
          ws.on('close', (code: number) => {
            if (this.#ws === ws && opened && this.status === 'open') {
              const codes = this.#host.stats.closeCodes
              codes[code] = (codes[code] ?? 0) + 1
            }
            if (this.#ws === ws) this.#onClose(!opened)
            if (!opened) resolve(false)
          })
        }),
    )
  }

  /**
   * Sightline only, as the presence client does (packages/presence/src/liveness.ts): heard
   * nothing for `periodMs`, the 3-byte heartbeat (answered); else sent nothing for `periodMs`,
   * the 5-byte keepalive (not answered). Both count as liveness frames sent.
   */
  liveness(nowMs: number, periodMs: number): void {
    if (this.status !== 'open') return
    if (nowMs - this.#heardAt >= periodMs) this.#send(HEARTBEAT_FRAME, true)
    else if (nowMs - this.#wroteAt >= periodMs) this.#send(KEEPALIVE_FRAME, true)
    else return
    this.#host.stats.heartbeatsSent++
  }

  /** Re-sends the unchanged state with a higher clock once it is `renewMs` old. */
  renewIfDue(nowMs: number, renewMs: number): void {
    if (this.status !== 'open' || nowMs - this.lastSentAt < renewMs) return
    this.#clock++
    this.#sendState()
    this.#host.stats.renewalsSent++
  }

  /** Toggles viewing/replying: one state change, one upstream frame. */
  change(): void {
    if (this.status !== 'open') return
    this.#activity = this.#activity === 'viewing' ? 'replying' : 'viewing'
    this.#since = Date.now()
    this.#seq++
    this.#clock++
    this.#json = this.#stateJson()
    this.#sendState()
    this.#host.stats.changesSent++
  }

  /** Closes the socket cleanly, without sending a removal first (the server must notice). */
  close(): void {
    this.status = 'closed'
    this.#ws?.close(CloseCode.Normal)
  }

  /**
   * Leaves as the presence client (`destroy()`, pagehide) and y-websocket providers do: its
   * removal first, then a clean close.
   */
  leave(): void {
    if (this.status === 'open') {
      this.#clock++
      this.#send(this.#wire.removal(this.clientId, this.#clock), false)
    }
    this.close()
  }

  /** Drops the socket without a close handshake. */
  terminate(): void {
    this.status = 'closed'
    this.#ws?.terminate()
  }

  /** Stops reading (so no pong answers a ping) and sending: a silently lost connection. */
  goSilent(): void {
    this.status = 'silent'
    this.#ws?.pause()
  }

  /** When (µs since the epoch) the current socket opened; 0 before the first open. */
  get openedAtUs(): number {
    return this.#openedAtUs
  }

  #stateJson(): string {
    return stateJson(this, {
      seq: this.#seq,
      sentAtUs: nowUs(),
      activity: this.#activity,
      since: this.#since,
    })
  }

  #sendState(): void {
    if (this.#seq === 0 && this.#clock === 1) this.#json = this.#stateJson()
    this.#send(this.#wire.state(this.clientId, this.#clock, this.#json), false)
    this.lastSentAt = performance.now()
  }

  /**
   * Sends `frame` as one binary message. The whole WebSocket frame (tab-wire.ts `clientFrame`)
   * goes straight to the socket: same bytes on the wire as ws's sender would write but for the
   * masking key (zero), at a fraction of its CPU. `constant`: `frame` never changes (heartbeat,
   * the wire's fixed frames), so its WebSocket frame is built once per generator.
   */
  #send(frame: Uint8Array, constant: boolean): void {
    const ws = this.#ws
    if (ws === null || ws.readyState !== WebSocket.OPEN) return
    const socket = (ws as unknown as { _socket: Socket | null })._socket
    if (socket === null) ws.send(frame)
    else socket.write(constant ? constantClientFrame(frame) : clientFrame(frame))
    this.#wroteAt = performance.now()
    const s = this.#host.stats
    s.framesTx++
    s.bytesTx += wireBytes(frame.length, true)
  }

  #onOpen(): void {
    this.status = 'open'
    this.#heardAt = performance.now()
    this.#openedAtUs = nowUs()
    this.#host.stats.tabsOpen++
    // Hocuspocus: the provider's auth message and sync step 1 come first (tab-wire.ts).
    for (const frame of this.#wire.openFrames) this.#send(frame, true)
    // The presence client announces its state on open; a re-announce keeps clock and JSON.
    this.#sendState()
  }

  #onClose(neverOpened: boolean): void {
    const wasOpen = this.status === 'open'
    if (wasOpen) this.#host.stats.tabsOpen--
    if (this.status === 'closed' || this.status === 'silent') return
    this.#forgetPeers()
    this.#host.onLost(this, neverOpened)
    if (!this.#host.reconnect) {
      this.status = 'closed'
      return
    }
    this.status = 'reconnecting'
    const window = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** this.#attempt)
    this.#attempt++
    setTimeout(() => {
      if (this.status === 'reconnecting') void this.connect()
    }, Math.random() * window)
  }

  #forgetPeers(): void {
    this.#peers.clear()
    if (this.presentPeers !== 0) {
      this.presentPeers = 0
      this.#host.onPresenceChange(this)
    }
  }

  #onMessage(data: Buffer): void {
    const s = this.#host.stats
    s.framesRx++
    s.bytesRx += wireBytes(data.length, false)
    if (this.status !== 'open') return
    this.#heardAt = performance.now()
    this.#attempt = 0
    if (isHeartbeatFrame(data)) {
      s.heartbeatsRx++
      return
    }
    const kind = this.#wire.read(data, this.#onEntry)
    if (kind === 'query') this.#sendState()
    else if (kind === 'auth-denied') this.#ws?.close(4403, 'permission denied')
    else {
      const answer = this.#wire.answer(kind)
      if (answer !== null) this.#send(answer, true)
    }
  }

  readonly #onBinary = (data: Buffer): void => this.#onMessage(data)

  readonly #onEntry = (e: SeenEntry): void => {
    const s = this.#host.stats
    if (e.clientId === this.clientId) {
      s.echoes++
      return
    }
    const prev = this.#peers.get(e.clientId)
    // y-protocols: apply if the clock is higher, or equal with a removal of a present state.
    if (prev !== undefined && !(e.clock > prev.clock || (e.clock === prev.clock && e.removed))) {
      s.ignored++
      return
    }
    if (e.removed) {
      if (prev === undefined) {
        this.#peers.set(e.clientId, { clock: e.clock, present: false, seq: -1 })
        return
      }
      prev.clock = e.clock
      if (!prev.present) return
      prev.present = false
      this.presentPeers--
      s.removals++
      this.#host.onRemovalSeen(this, e.clientId)
      this.#host.onPresenceChange(this)
      return
    }
    if (prev === undefined || !prev.present) {
      if (prev === undefined)
        this.#peers.set(e.clientId, { clock: e.clock, present: true, seq: e.seq })
      else Object.assign(prev, { clock: e.clock, present: true, seq: e.seq })
      this.presentPeers++
      s.appearances++
      if (e.sentAtUs >= this.#openedAtUs) this.#host.latency.record(nowUs() - e.sentAtUs)
      this.#host.onPresenceChange(this)
      return
    }
    prev.clock = e.clock
    if (e.seq > prev.seq) {
      prev.seq = e.seq
      s.changeDeliveries++
      this.#host.latency.record(nowUs() - e.sentAtUs)
      this.#host.onChangeDelivered?.(this, e.clientId)
    } else {
      s.duplicates++
    }
  }
}
