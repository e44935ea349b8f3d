/**
 * Integration fixtures: a real relay on an ephemeral loopback port with short intervals, real
 * HS256 tokens, presence clients on `ws` whose sockets record every frame they send. Everything
 * made here is closed when the test finishes.
 */
import { conversationRoom } from '@sightline/protocol'
import { createRelay, type RelayHandle, type RelayOptions } from '@sightline/relay'
import { onTestFinished } from 'vitest'
import WS from 'ws'
import { createPresence, type PresenceClient, type PresenceOptions } from '../src/index.js'
import { signToken, type TestClaims } from './tokens.js'

export const SECRET = 'presence-integration-secret-0123456789'

/** Relay intervals short enough that liveness tests take about a second. */
export const FAST_RELAY: Partial<RelayOptions> = Object.freeze({
  pingIntervalMs: 200,
  livenessTimeoutMs: 600,
  sweepIntervalMs: 50,
  refreshIntervalMs: 10_000,
})

/** Client intervals to match. */
export const FAST_CLIENT = Object.freeze({
  heartbeatIntervalMs: 200,
  livenessTimeoutMs: 600,
  reconnectMinDelayMs: 50,
  reconnectMaxDelayMs: 300,
})

export async function startRelay(options: Partial<RelayOptions> = {}): Promise<RelayHandle> {
  const relay = await createRelay({ port: 0, jwtSecret: SECRET, ...FAST_RELAY, ...options })
  onTestFinished(() => relay.close())
  return relay
}

/** A `ws` socket that keeps a copy of every frame it sends. */
export class RecordingWebSocket extends WS {
  static readonly instances: RecordingWebSocket[] = []
  readonly sent: Uint8Array[] = []

  constructor(url: string) {
    super(url)
    RecordingWebSocket.instances.push(this)
  }

  override send(data: Uint8Array<ArrayBuffer>): void {
    this.sent.push(new Uint8Array(data))
    super.send(data)
  }
}

let rooms = 0
/** A room unique to this test file run, inside the `mailbox/1/*` grant. */
export const uniqueRoom = () => conversationRoom(1, `${process.pid}-${++rooms}`)

export const token = (sub: string, claims: Partial<TestClaims> = {}) =>
  signToken(SECRET, { sub, name: sub.charAt(0).toUpperCase() + sub.slice(1), ...claims })

/** A presence client for `sub` in `room`, destroyed after the test. */
export function join(
  relay: { url: string },
  room: string,
  sub: string,
  options: Partial<PresenceOptions> = {},
): PresenceClient {
  const client = createPresence({
    url: relay.url,
    room,
    token: token(sub),
    WebSocket: RecordingWebSocket,
    environment: null,
    ...FAST_CLIENT,
    ...options,
  })
  onTestFinished(() => client.destroy())
  return client
}

/** `id:activity:away:tabs` per viewer: compact to compare. */
export const viewersOf = (client: PresenceClient) =>
  client.others.map((v) => `${v.user.id}:${v.activity}:${v.away ? 'away' : 'here'}:${v.tabs}`)
