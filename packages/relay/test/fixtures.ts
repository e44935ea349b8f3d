/**
 * Test fixtures: a real relay on port 0 with short intervals, real HS256 tokens, and raw `ws`
 * clients that speak frames through lib0 and the protocol codec. Everything made here is
 * closed when the test finishes.
 */
import {
  type AwarenessEntry,
  encodeAwarenessFrame,
  HEARTBEAT_FRAME,
  MessageType,
  type PresenceState,
  readAwarenessUpdate,
} from '@sightline/protocol'
import { SignJWT } from 'jose'
import * as decoding from 'lib0/decoding'
import { expect, onTestFinished } from 'vitest'
import WebSocket from 'ws'
import { createRelay, type RelayHandle, type RelayOptions } from '../src/index.js'

export const TEST_SECRET = 'sightline-test-secret-0123456789abcdef'

/** Short intervals so liveness tests take about a second. */
export const FAST: Partial<RelayOptions> = Object.freeze({
  pingIntervalMs: 200,
  livenessTimeoutMs: 600,
  sweepIntervalMs: 50,
  refreshIntervalMs: 10_000,
})

/** Starts a relay on an ephemeral loopback port; closed after the test. */
export async function startRelay(options: Partial<RelayOptions> = {}): Promise<RelayHandle> {
  const relay = await createRelay({ port: 0, jwtSecret: TEST_SECRET, ...FAST, ...options })
  onTestFinished(() => relay.close())
  return relay
}

export interface TokenInput {
  sub: string
  name?: string
  avatar?: string
  rooms?: string[]
  /** Seconds from now until expiry; default 3600. */
  expiresIn?: number
  secret?: string
}

/** Mints a real HS256 token (name defaults to the capitalised subject). */
export async function mintToken(input: TokenInput): Promise<string> {
  const claims: Record<string, unknown> = {
    name: input.name ?? nameOf(input.sub),
    rooms: input.rooms ?? ['*'],
  }
  if (input.avatar !== undefined) claims['avatar'] = input.avatar
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(input.sub)
    .setExpirationTime(Math.floor(Date.now() / 1000) + (input.expiresIn ?? 3600))
    .sign(new TextEncoder().encode(input.secret ?? TEST_SECRET))
}

export function nameOf(sub: string): string {
  return sub.charAt(0).toUpperCase() + sub.slice(1)
}

/** A valid presence state for `sub`, as a test client would set it. */
export function presence(sub: string, patch: Partial<PresenceState> = {}): PresenceState {
  return {
    user: { id: sub, name: nameOf(sub) },
    activity: 'viewing',
    away: false,
    // Now, as a tab with a sane clock says (the relay stamps its own past a small tolerance).
    since: Date.now(),
    ...patch,
  }
}

let roomCounter = 0
/** A room name unique within the test file. */
export function uniqueRoom(): string {
  return `mailbox/1/conversation/${++roomCounter}`
}

/** A raw WebSocket client that records every frame it receives. */
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

  constructor(ws: WebSocket) {
    this.ws = ws
    ws.binaryType = 'nodebuffer'
    ws.on('message', (data: Buffer) => this.#receive(new Uint8Array(data)))
    ws.on('error', () => {})
    this.#closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closeCode = code
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

  heartbeats(): number {
    return this.awareness.filter((f) => f.length === 0).length
  }

  send(bytes: Uint8Array): void {
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
    this.send(HEARTBEAT_FRAME)
  }

  close(): Promise<number> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close()
    return this.#closed
  }

  #receive(frame: Uint8Array): void {
    this.frames.push(frame)
    const decoder = decoding.createDecoder(frame)
    if (decoding.readVarUint(decoder) !== MessageType.Awareness) return
    const entries = readAwarenessUpdate(decoding.readVarUint8Array(decoder))
    this.awareness.push(entries)
    for (const e of entries) {
      const prev = this.states.get(e.clientId)
      if (prev === undefined || prev.clock < e.clock)
        this.states.set(e.clientId, { clock: e.clock, json: e.json })
    }
  }
}

/**
 * Opens a raw client to `room`. Resolves once open, or once closed when the relay refuses
 * the connection (then `closeCode` is set). Closed after the test.
 */
export async function connect(
  relay: RelayHandle,
  room: string,
  token: string,
): Promise<TestClient> {
  const ws = new WebSocket(`${relay.url}/${room}?token=${encodeURIComponent(token)}`)
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
