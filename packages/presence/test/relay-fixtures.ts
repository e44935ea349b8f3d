/**
 * Integration fixtures: a real relay on an ephemeral loopback port with short intervals and
 * real HS256 tokens (both from `@sightline/testkit`), presence clients on `ws` whose sockets
 * record every frame they send. Everything made here is closed when the test finishes.
 */
import { tokenFromSubprotocols } from '@sightline/protocol'
import { createRelay, type RelayHandle, type RelayOptions } from '@sightline/relay'
import * as kit from '@sightline/testkit/vitest'
import { onTestFinished } from 'vitest'
import WS from 'ws'
import { createPresence, type PresenceClient, type PresenceOptions } from '../src/index.js'

export { FAST_CLIENT, FAST_RELAY, uniqueRoom } from '@sightline/testkit/vitest'

/** The secret of every test relay and token. */
export const SECRET = kit.TEST_SECRET

/** A relay on port 0 with `FAST_RELAY` intervals; closed after the test. */
export function startRelay(options: Partial<RelayOptions> = {}): Promise<RelayHandle> {
  return kit.startRelay(createRelay, options)
}

/** A `ws` socket that keeps a copy of every frame it sends. */
export class RecordingWebSocket extends WS {
  static readonly instances: RecordingWebSocket[] = []
  readonly sent: Uint8Array[] = []
  /** The token it was opened with (subprotocol or query). */
  readonly token: string

  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols)
    const offered = Array.isArray(protocols) ? protocols.join(',') : protocols
    this.token = tokenFromSubprotocols(offered) ?? new URL(url).searchParams.get('token') ?? ''
    RecordingWebSocket.instances.push(this)
  }

  override send(data: Uint8Array<ArrayBuffer>): void {
    this.sent.push(new Uint8Array(data))
    super.send(data)
  }
}

export interface TestClaims {
  name?: string
  avatar?: string
  /** Default `['mailbox/1/*']`: every conversation of mailbox 1, not its list room. */
  rooms?: string[]
  /** Seconds from now until expiry. Default 3600. */
  ttlSec?: number
}

/** A token for `sub`, granted the conversations of mailbox 1 unless `claims.rooms` says else. */
export const token = (
  sub: string,
  { ttlSec, rooms = ['mailbox/1/*'], ...claims }: TestClaims = {},
) =>
  kit.mintToken({ sub, rooms, ...claims, ...(ttlSec === undefined ? {} : { expiresIn: ttlSec }) })

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
    ...kit.FAST_CLIENT,
    ...options,
  })
  onTestFinished(() => client.destroy())
  return client
}

/** `id:activity:away:tabs` per viewer: compact to compare. */
export const viewersOf = (client: PresenceClient) =>
  client.others.map((v) => `${v.user.id}:${v.activity}:${v.away ? 'away' : 'here'}:${v.tabs}`)
