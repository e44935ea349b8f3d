/**
 * Relay test fixtures: a real relay on port 0 with short intervals and real HS256 tokens (both
 * from `@sightline/testkit`), and raw `ws` clients that speak frames through the protocol's
 * codec. Everything made here is closed when the test finishes.
 */
import {
  type AwarenessEntry,
  encodeAwarenessFrame,
  HEARTBEAT_FRAME,
  LivenessDefaults,
  type PresenceState,
  ReadingDefaults,
} from '@sightline/protocol'
import * as kit from '@sightline/testkit/vitest'
import { readAwarenessEntries, type TokenInput } from '@sightline/testkit/vitest'
import { expect, onTestFinished } from 'vitest'
import WebSocket from 'ws'
import { createRelay, type RelayHandle, type RelayOptions } from '../src/index.js'

export { nameOf, TEST_SECRET, type TokenInput, uniqueRoom } from '@sightline/testkit/vitest'

/**
 * The socket layer the relays of these tests run on: `uws` (uWebSockets.js) in the vitest
 * project `relay-uws`, else `ws` (SIGHTLINE_TEST_TRANSPORT, read by the testkit's startRelay).
 * A test whose behaviour differs between the two by nature asserts each one's.
 */
export const TRANSPORT: 'ws' | 'uws' = kit.testTransport().transport ?? 'ws'

/**
 * uWS drops a connection whose request headers are not complete within its own fixed timeout
 * (10 s, checked every 4 s), whatever `handshakeTimeoutMs` says (uws-transport.ts): the
 * latest it is dropped, in ms, with a margin for a loaded machine.
 */
export const UWS_HTTP_TIMEOUT_BOUND_MS = 16_000

/** Short intervals so liveness tests take about a second. */
export const FAST: Partial<RelayOptions> = kit.FAST_RELAY

/** Starts a relay on an ephemeral loopback port; closed after the test. */
export function startRelay(options: Partial<RelayOptions> = {}): Promise<RelayHandle> {
  return kit.startRelay(createRelay, options)
}

/** Mints a real HS256 token (name defaults to the capitalised subject, rooms to every room). */
export async function mintToken(input: TokenInput): Promise<string> {
  return kit.mintToken(input)
}

/** A valid presence state for `sub`, as a test client would set it. */
export function presence(sub: string, patch: Partial<PresenceState> = {}): PresenceState {
  return {
    user: { id: sub, name: kit.nameOf(sub) },
    activity: 'viewing',
    away: false,
    // Now, as a tab with a sane clock says (the relay stamps its own past a small tolerance).
    since: Date.now(),
    ...patch,
  }
}

/**
 * A raw WebSocket client that records every frame it receives. Once it has sent a heartbeat
 * it behaves as a live Sightline client does towards the relay's not-reading rule: it
 * acknowledges every `ReadingDefaults.ackAfterBytes` it receives and heartbeats every
 * `LivenessDefaults.heartbeatIntervalMs`, with heartbeats `heartbeats()` does not count.
 */
export class TestClient {
  readonly ws: WebSocket
  /** Every binary frame received, in order. */
  readonly frames: Uint8Array[] = []
  /** Awareness updates received (entries per frame), heartbeats included (empty). */
  readonly awareness: AwarenessEntry[][] = []
  /** The client's view of the room: client ID -> last state JSON and clock (y-protocols rules). */
  readonly states = new Map<number, { clock: number; json: string }>()
  closeCode: number | undefined
  readonly #closed: Promise<number>
  /**
   * Who sent each heartbeat not answered yet, in order (the relay answers them in order):
   * true for the ones it sent on its own (acks, keepalives), whose answers are not counted.
   */
  readonly #pendingBeats: boolean[] = []
  #answeredBeats = 0
  #unacked = 0
  #keepalive: ReturnType<typeof setInterval> | undefined

  constructor(ws: WebSocket) {
    this.ws = ws
    ws.binaryType = 'nodebuffer'
    ws.on('message', (data: Buffer) => this.#receive(new Uint8Array(data)))
    ws.on('error', () => {})
    this.#closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closeCode = code
        clearInterval(this.#keepalive)
        resolve(code)
      }),
    )
  }

  /** Resolves with the close code once the socket is closed. */
  closed(): Promise<number> {
    return this.#closed
  }

  /** Live states seen by this client (non-null), by client ID. */
  live(): Map<number, PresenceState> {
    const out = new Map<number, PresenceState>()
    for (const [id, s] of this.states) if (s.json !== 'null') out.set(id, JSON.parse(s.json))
    return out
  }

  /** Awareness frames with at least one entry (heartbeats left out). */
  stateFrames(): AwarenessEntry[][] {
    return this.awareness.filter((f) => f.length > 0)
  }

  /** Heartbeat answers received for the heartbeats it was asked to send. */
  heartbeats(): number {
    return this.#answeredBeats
  }

  send(bytes: Uint8Array): void {
    this.#unacked = 0
    this.ws.send(bytes)
  }

  /** Writes awareness entries (state objects are JSON-encoded; `null` removes). */
  sendStates(entries: { clientId: number; clock: number; state: unknown }[]): void {
    this.send(
      encodeAwarenessFrame(
        entries.map((e) => ({
          clientId: e.clientId,
          clock: e.clock,
          json: JSON.stringify(e.state),
        })),
      ),
    )
  }

  setState(clientId: number, clock: number, state: unknown): void {
    this.sendStates([{ clientId, clock, state }])
  }

  heartbeat(): void {
    this.#pendingBeats.push(false)
    this.send(HEARTBEAT_FRAME)
    this.#keepalive ??= setInterval(
      () => this.#autoBeat(),
      LivenessDefaults.heartbeatIntervalMs,
    ).unref()
  }

  #autoBeat(): void {
    if (this.ws.readyState !== WebSocket.OPEN) return
    this.#pendingBeats.push(true)
    this.send(HEARTBEAT_FRAME)
  }

  close(): Promise<number> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close()
    return this.#closed
  }

  #receive(frame: Uint8Array): void {
    this.frames.push(frame)
    if (this.#keepalive !== undefined && frame.length !== 3) {
      this.#unacked += frame.length
      if (this.#unacked >= ReadingDefaults.ackAfterBytes) this.#autoBeat()
    }
    const entries = readAwarenessEntries(frame)
    if (entries === null) return
    if (entries.length === 0 && this.#pendingBeats.shift() !== true) this.#answeredBeats++
    this.awareness.push(entries)
    for (const e of entries) {
      const prev = this.states.get(e.clientId)
      if (prev === undefined || prev.clock < e.clock)
        this.states.set(e.clientId, { clock: e.clock, json: e.json })
    }
  }
}

/**
 * Opens a raw client to `room` with `token` in the URL (and `protocols`, if given, offered as
 * subprotocols). Resolves once open, or once closed when the relay refuses the connection
 * (then `closeCode` is set). Closed after the test.
 */
export async function connect(
  relay: RelayHandle,
  room: string,
  token: string,
  protocols?: string[],
): Promise<TestClient> {
  const ws = new WebSocket(`${relay.url}/${room}?token=${encodeURIComponent(token)}`, protocols)
  const client = new TestClient(ws)
  onTestFinished(async () => {
    if (ws.readyState !== WebSocket.CLOSED) ws.terminate()
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('close', () => resolve())
    ws.once('unexpected-response', () => reject(new Error('upgrade refused with HTTP')))
  })
  return client
}

/** Connects `sub` (token granting everything unless `rooms` is given) to `room`. */
export async function join(
  relay: RelayHandle,
  room: string,
  sub: string,
  input: Partial<TokenInput> = {},
) {
  return connect(relay, room, await mintToken({ sub, ...input }))
}

/** A heartbeat round trip: everything `client` sent before has been handled by the relay. */
export async function settle(client: TestClient): Promise<void> {
  const n = client.heartbeats()
  client.heartbeat()
  await expect.poll(() => client.heartbeats()).toBe(n + 1)
}
