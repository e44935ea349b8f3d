/**
 * The options of `createRelay`, each with its unit and default. Their variables, bounds and
 * defaults are in the one table of settings (option-table.ts); this file holds the types.
 */
import type { Logger } from 'pino'

/** Public-key algorithms the relay accepts; the one in use is pinned, never read from a token. */
export const JWT_ALGORITHMS = Object.freeze(['EdDSA', 'ES256', 'RS256'] as const)
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number]

export interface RelayOptions {
  /** Interface to listen on. Default `'127.0.0.1'`. */
  readonly host: string
  /** TCP port; `0` picks a free one (see `RelayHandle.port`). Default `1234`. */
  readonly port: number
  /** HS256 shared secret the helpdesk signs tokens with. Set this or `jwtPublicKey`. */
  readonly jwtSecret?: string | undefined
  /** Public key (PEM SPKI or JWK JSON) for EdDSA/ES256/RS256 tokens. Set this or `jwtSecret`. */
  readonly jwtPublicKey?: string | undefined
  /** Algorithm of `jwtPublicKey`. Default: inferred from the key (Ed25519, P-256, RSA). */
  readonly jwtAlgorithm?: JwtAlgorithm | undefined
  /** Allowed skew when checking `exp`, `nbf` and `iat`, in seconds. Default `5`. */
  readonly clockToleranceSec: number
  /**
   * Longest token lifetime accepted, in seconds: `exp - iat`, or `exp - now` for a token
   * without `iat`; a longer-lived token is refused with 4401 (a leaked token must not work for
   * years). Default `86400` (24 h; the helpdesk should mint tokens of minutes).
   */
  readonly maxTokenLifetimeSec: number
  /** A connection silent this long (ms) gets one WebSocket ping. Default `5000`. */
  readonly pingIntervalMs: number
  /**
   * A connection silent this long (ms) is terminated and its states removed for everyone.
   * Guaranteed bound: it is dropped no later than this after its last frame or pong.
   * Default `10000`.
   */
  readonly livenessTimeoutMs: number
  /**
   * A state not forwarded for this long (ms) is re-sent with a fresh relay clock, so that
   * receivers (which drop peers silent for 30 s) never drop a live but frozen tab.
   * Must stay below 30000. Default `15000`.
   */
  readonly refreshIntervalMs: number
  /** Period (ms) of the single liveness/refresh sweep of the relay. Default `1000`. */
  readonly sweepIntervalMs: number
  /**
   * How long (ms) the states of a connection that closed "going away" (1001) without setting
   * them to null first stay shown. Chromium closes a resumed frozen tab's socket that way and
   * the tab reconnects at once with the same client ID: within the grace it takes its states
   * over and nobody sees it leave and come back. Every other end removes at once: a tab that
   * leaves (null states), a liveness drop, a reset without a close frame (1006: a crashed tab
   * or process), any other close code. The sweep does the removal, so it
   * comes between this and this + `sweepIntervalMs` after the close; the grace is capped at
   * `livenessTimeoutMs - sweepIntervalMs`, so a closed connection is never kept longer than a
   * silent one. `0` removes at once. Default `1500`.
   */
  readonly removalGraceMs: number
  /**
   * Coalescing window of a busy room of 50 peers or more (ms); a smaller room holds for a
   * share falling with the square of its size (a room of 10 for 1/25, a room of 5 for 1/100:
   * small rooms in effect forward at once). A change goes out at once when its room
   * forwarded no change in the last window; otherwise it is held, and when the window ends
   * each receiver gets one awareness frame with every held change (the latest per client ID,
   * never its own). A busy room of 50 then costs about 1,000 writes per second instead of one
   * write per receiver per change; the price is up to the window's latency for changes in
   * such a room. `0` sends every change at once. Default `50`.
   */
  readonly coalesceWindowMs: number
  /**
   * Largest inbound WebSocket message (bytes); larger ones close with 4413. `ws` itself
   * refuses (1009) anything over twice this before buffering it. Default `65536` (a
   * presence state is under 3 KiB, a reply signal under 1 KiB).
   */
  readonly maxFrameBytes: number
  /**
   * Largest awareness state (bytes of its JSON); larger ones close with 4413. The default
   * fits a state with the longest id, name and avatar URL a token may carry
   * (`PresenceLimits`); real states weigh 150-300 bytes.
   */
  readonly maxStateBytes: number
  /**
   * Awareness state bytes one agent (token subject) may write per second into one room, all
   * its connections together (a burst of four seconds' worth, or four of the largest states);
   * the connection that overdraws it is closed with 4429. It bounds the fan-out one agent can
   * cause: at most this times the room's size per second. The answers its questions cost
   * (sync step 1, query-awareness, join snapshots) are bounded at eight times this in bytes;
   * beyond, questions go unanswered.
   */
  readonly subjectBytesPerSecond: number
  /**
   * Messages per second a connection may send on average (token bucket refill rate); more
   * close it with 4429. Default `100` (a tab sends one heartbeat per 4 s plus a few state
   * changes; a stock y-websocket provider a few frames per change).
   */
  readonly messagesPerSecond: number
  /** Bucket size: messages a connection may send at once after a quiet spell. Default `200`. */
  readonly messageBurst: number
  /**
   * Inbound bytes per second a connection may send on average; more close it with 4429. The
   * relay's work on a frame grows with its bytes (decoding, checking each awareness entry),
   * so this bounds the CPU one connection can take. A connection may send
   * max(this, 2 x `maxFrameBytes`) at once. Default `65536` (a tab sends ~100 bytes per change).
   */
  readonly bytesPerSecond: number
  /**
   * Connections per room; the next one is closed with 1013 after the upgrade. Default `200`
   * (a conversation is watched by a handful of agents; a mailbox list by its team).
   */
  readonly maxConnectionsPerRoom: number
  /** Rooms held at once; a connection that would open a new one gets 1013. Default `10000`. */
  readonly maxRooms: number
  /** Connections held at once; the next one gets 1013. Default `20000`. */
  readonly maxConnections: number
  /**
   * Connections per token subject (agent) across all rooms; the next one gets 4429.
   * Default `50` (one per open conversation tab plus its mailbox list, and a second socket
   * per tab while a token is being renewed).
   */
  readonly maxConnectionsPerSubject: number
  /**
   * A TCP connection that has not completed its HTTP upgrade (or request) within this many
   * ms is destroyed (slowloris). Default `10000`.
   */
  readonly handshakeTimeoutMs: number
  /**
   * Sockets that sent an upgrade request and are not admitted yet (token being verified, or
   * refused and given `REFUSED_CLOSE_WAIT_MS` to answer the close); past this, upgrade requests
   * get HTTP 503 at once. Default `10000`: after a restart, a relay's tabs all come back
   * within a second or two, and each refused one backs off and comes back later (the restart
   * storm of 5,000 tabs refused 1,459 upgrades with the former 2,000). Each waiting upgrade
   * holds a socket and its request, a few KiB.
   */
  readonly maxPendingUpgrades: number
  /**
   * Awareness client IDs one connection may introduce (a tab uses one); the next closes it
   * with 1008. Default `4`.
   */
  readonly maxClientIdsPerConnection: number
  /**
   * Bytes queued for a connection that does not read fast enough. Long before this the relay
   * holds it (`HOLD_BUFFER_BYTES`: sends it nothing new and catches it up with the latest
   * states once it drains), so a flood it cannot read never closes it; only a single catch-up
   * that overflows this bound closes it with 4508 (dropped if it does not drain within a
   * second), so relay memory stays bounded.
   */
  readonly maxSendBufferBytes: number
  /**
   * A Sightline client (a connection that has sent a heartbeat) silent this long (ms) is
   * held: the relay sends it nothing but pings and heartbeat answers, and one catch-up frame
   * (the latest state per client ID that changed) when it speaks again. Presence is state,
   * not a log: a frozen or throttled tab is owed no history.
   */
  readonly quietAfterMs: number
  /**
   * Browser origins allowed to connect (e.g. `https://desk.example.com`); a request whose
   * `Origin` is not listed gets 4403 after the upgrade. Default: any origin.
   */
  readonly allowedOrigins?: readonly string[] | undefined
  /**
   * Refuse (4403) requests without an `Origin` header. Non-browser clients (load tests,
   * server-side integrations) send none, and cannot forge a browser's anyway, so the default
   * `false` lets them in; set it when only browsers should connect.
   */
  readonly requireOrigin: boolean
  /**
   * The relay is behind a proxy you trust (nginx, a load balancer): log the client address
   * from the last `X-Forwarded-For` entry and the proxy's `X-Request-Id`, instead of the
   * socket's peer (the proxy). Leave off otherwise: anyone can send those headers. Default
   * `false`.
   */
  readonly trustProxy: boolean
  /** pino logger. Default: silent. */
  readonly logger?: Logger | undefined
  /**
   * Serve `/metrics` on a separate HTTP server on this port (`0` = any free port) and not on
   * `port`, so it can stay off the public interface. Default: unset (served on `port`).
   */
  readonly metricsPort?: number | undefined
  /** Interface of the separate metrics server. Default: `host`. */
  readonly metricsHost?: string | undefined
  /**
   * Cluster mode: the Redis server relay nodes share rooms through
   * (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS). Default: unset, a
   * single relay that needs nothing else.
   */
  readonly redisUrl?: string | undefined
  /** Cluster mode: this node's name on the bus. Default: generated (`<hostname>-<pid>`). */
  readonly nodeId?: string | undefined
  /** Cluster mode: prefix of the Redis channels (several deployments on one Redis). Default `sightline`. */
  readonly redisPrefix: string
  /**
   * Cluster mode: a node silent this long (ms) is declared down and its tabs removed from
   * every other node (nodes heartbeat every third of it). Default `3000`; must stay below
   * `livenessTimeoutMs`, so a dead node's tabs go within the liveness bound.
   */
  readonly nodeTimeoutMs: number
}
