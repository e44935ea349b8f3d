/**
 * The options of `createRelay`. Their types, which of them have defaults, their bounds and the
 * defaults themselves come from the one table of settings (`SETTINGS`, option-table.ts); this
 * file adds what a reader of an option needs beside its one line there: what it means and
 * why. Docblocks here never restate a default or a bound (they would drift): the defaults are
 * in `SETTINGS`, `DEFAULT_OPTIONS` and the generated table of docs/operations.md#configuration.
 */
import type { Logger } from 'pino'
import type { DefaultedOption, OptionName, OptionValues } from './option-table.js'

export { JWT_ALGORITHMS, type JwtAlgorithm } from './option-table.js'

/**
 * What each option means. Only the names and docblocks count here (the IDE shows them on
 * `RelayOptions`); the types are `OptionValues`, derived from the table, and a type check
 * below fails the build when an option of the table has no entry here or the other way round.
 * Defaults: see `SETTINGS` (option-table.ts) or docs/operations.md#configuration.
 */
interface OptionMeanings {
  /** Interface to listen on. Default: see `SETTINGS` / docs/operations.md#configuration. */
  readonly host: unknown
  /**
   * TCP port; `0` picks a free one (see `RelayHandle.port`). Default: see `SETTINGS` /
   * docs/operations.md#configuration.
   */
  readonly port: unknown
  /** HS256 shared secret the helpdesk signs tokens with. Set this or `jwtPublicKey`. */
  readonly jwtSecret: unknown
  /** Public key (PEM SPKI or JWK JSON) for EdDSA/ES256/RS256 tokens. Set this or `jwtSecret`. */
  readonly jwtPublicKey: unknown
  /** Algorithm of `jwtPublicKey`. Unset: inferred from the key (Ed25519, P-256, RSA). */
  readonly jwtAlgorithm: unknown
  /**
   * Allowed skew when checking `exp`, `nbf` and `iat`, in seconds. Default: see `SETTINGS` /
   * docs/operations.md#configuration.
   */
  readonly clockToleranceSec: unknown
  /**
   * Longest token lifetime accepted, in seconds: `exp - iat`, or `exp - now` for a token
   * without `iat`; a longer-lived token is refused with 4401 (a leaked token must not work for
   * years; the helpdesk should mint tokens of minutes). Default: see `SETTINGS` /
   * docs/operations.md#configuration.
   */
  readonly maxTokenLifetimeSec: unknown
  /**
   * A connection silent this long (ms) gets one WebSocket ping. Default: see `SETTINGS`
   * (`LivenessDefaults` of @sightline/protocol) / docs/operations.md#configuration.
   */
  readonly pingIntervalMs: unknown
  /**
   * A connection silent this long (ms) is terminated and its states removed for everyone.
   * Guaranteed bound: it is dropped no later than this after its last frame or pong.
   * Default: see `SETTINGS` (`LivenessDefaults`) / docs/operations.md#configuration.
   */
  readonly livenessTimeoutMs: unknown
  /**
   * A state not forwarded for this long (ms) is re-sent with a fresh relay clock, so that
   * receivers (which drop peers silent for `AWARENESS_OUTDATED_TIMEOUT_MS`) never drop a live
   * but frozen tab; this plus `sweepIntervalMs` must stay below that timeout. Default: see
   * `SETTINGS` (`LivenessDefaults`) / docs/operations.md#configuration.
   */
  readonly refreshIntervalMs: unknown
  /**
   * Period (ms) of the single liveness/refresh sweep of the relay. Default: see `SETTINGS`
   * (`LivenessDefaults`) / docs/operations.md#configuration.
   */
  readonly sweepIntervalMs: unknown
  /**
   * How long (ms) the states of a connection that closed "going away" (1001) without setting
   * them to null first stay shown. Chromium closes a resumed frozen tab's socket that way and
   * the tab reconnects at once with the same client ID: within the grace it takes its states
   * over and nobody sees it leave and come back. Every other end removes at once: a tab that
   * leaves (null states), a liveness drop, a reset without a close frame (1006: a crashed tab
   * or process), any other close code. The sweep does the removal, so it
   * comes between this and this + `sweepIntervalMs` after the close; the grace is capped at
   * `livenessTimeoutMs - sweepIntervalMs`, so a closed connection is never kept longer than a
   * silent one. `0` removes at once. Default: see `SETTINGS` / docs/operations.md#configuration.
   */
  readonly removalGraceMs: unknown
  /**
   * Coalescing window of a busy room of 50 peers or more (ms); a smaller room holds for a
   * share falling with the square of its size (a room of 10 for 1/25, a room of 5 for 1/100:
   * small rooms in effect forward at once). A change goes out at once when its room
   * forwarded no change in the last window; otherwise it is held, and when the window ends
   * each receiver gets one awareness frame with every held change (the latest per client ID,
   * never its own). A busy room then costs one write per receiver per window instead of one
   * per receiver per change; the price is up to the window's latency for changes in such a
   * room. `0` sends every change at once. Default: see `SETTINGS` /
   * docs/operations.md#configuration.
   */
  readonly coalesceWindowMs: unknown
  /**
   * Largest inbound WebSocket message (bytes); larger ones close with 4413. `ws` itself
   * refuses (1009) anything over twice this before buffering it. Default: see `SETTINGS` /
   * docs/operations.md#configuration.
   */
  readonly maxFrameBytes: unknown
  /**
   * Largest awareness state (bytes of its JSON); larger ones close with 4413. The default
   * fits a state with the longest id, name and avatar URL a token may carry
   * (`PresenceLimits`). Default: see `SETTINGS` / docs/operations.md#configuration.
   */
  readonly maxStateBytes: unknown
  /**
   * Awareness state bytes one agent (token subject) may write per second into one room, all
   * its connections together (a burst of four seconds' worth, or four of the largest states);
   * the connection that overdraws it is closed with 4429. It bounds the fan-out one agent can
   * cause: at most this times the room's size per second. The answers its questions cost
   * (sync step 1, query-awareness, join snapshots) are bounded at eight times this in bytes;
   * beyond, questions go unanswered. Default: see `SETTINGS` / docs/operations.md#configuration.
   */
  readonly subjectBytesPerSecond: unknown
  /**
   * Messages per second a connection may send on average (token bucket refill rate); more
   * close it with 4429. A tab sends one heartbeat per heartbeat interval plus a few state
   * changes; a stock y-websocket provider a few frames per change. Default: see `SETTINGS` /
   * docs/operations.md#configuration.
   */
  readonly messagesPerSecond: unknown
  /**
   * Bucket size: messages a connection may send at once after a quiet spell. Default: see
   * `SETTINGS` / docs/operations.md#configuration.
   */
  readonly messageBurst: unknown
  /**
   * Inbound bytes per second a connection may send on average; more close it with 4429. The
   * relay's work on a frame grows with its bytes (decoding, checking each awareness entry),
   * so this bounds the CPU one connection can take. A connection may send
   * max(this, 2 x `maxFrameBytes`) at once. Default: see `SETTINGS` /
   * docs/operations.md#configuration.
   */
  readonly bytesPerSecond: unknown
  /**
   * Connections per room; the next one is closed with 1013 after the upgrade (a conversation
   * is watched by a handful of agents; a mailbox list by its team). Default: see `SETTINGS` /
   * docs/operations.md#configuration.
   */
  readonly maxConnectionsPerRoom: unknown
  /**
   * Rooms held at once; a connection that would open a new one gets 1013. Default: see
   * `SETTINGS` / docs/operations.md#configuration.
   */
  readonly maxRooms: unknown
  /**
   * Connections held at once; the next one gets 1013. Default: see `SETTINGS` /
   * docs/operations.md#configuration.
   */
  readonly maxConnections: unknown
  /**
   * Connections per token subject (agent) across all rooms; the next one gets 4429. Room for
   * one per open conversation tab plus its mailbox list, and a second socket per tab while a
   * token is being renewed. Default: see `SETTINGS` / docs/operations.md#configuration.
   */
  readonly maxConnectionsPerSubject: unknown
  /**
   * A TCP connection that has not completed its HTTP upgrade (or request) within this many
   * ms is destroyed (slowloris). Default: see `SETTINGS` / docs/operations.md#configuration.
   */
  readonly handshakeTimeoutMs: unknown
  /**
   * Sockets that sent an upgrade request and are not admitted yet (token being verified, or
   * refused and given `REFUSED_CLOSE_WAIT_MS` to answer the close); past this, upgrade requests
   * get HTTP 503 at once. After a restart a relay's tabs all come back within a second or two,
   * and each refused one backs off and comes back later, so this is sized for a restart storm
   * (docs/performance.md, restart storm). Each waiting upgrade holds a socket and its
   * request, a few KiB. Default: see `SETTINGS` / docs/operations.md#configuration.
   */
  readonly maxPendingUpgrades: unknown
  /**
   * Awareness client IDs one connection may introduce (a tab uses one); the next closes it
   * with 1008. Default: see `SETTINGS` / docs/operations.md#configuration.
   */
  readonly maxClientIdsPerConnection: unknown
  /**
   * Bytes queued for a connection that does not read fast enough. Long before this the relay
   * holds it (`HOLD_BUFFER_BYTES`: sends it nothing new and catches it up with the latest
   * states once it drains), so a flood it cannot read never closes it; only a single catch-up
   * that overflows this bound closes it with 4508 (dropped if it does not drain within
   * `SLOW_CONSUMER_DRAIN_MS`), so relay memory stays bounded. Default: see `SETTINGS` /
   * docs/operations.md#configuration.
   */
  readonly maxSendBufferBytes: unknown
  /**
   * A Sightline client (a connection that has sent a heartbeat) silent this long (ms) is
   * held: the relay sends it nothing but pings and heartbeat answers, and one catch-up frame
   * (the latest state per client ID that changed) when it speaks again. Presence is state,
   * not a log: a frozen or throttled tab is owed no history. Default: see `SETTINGS` /
   * docs/operations.md#configuration.
   */
  readonly quietAfterMs: unknown
  /**
   * Browser origins allowed to connect (e.g. `https://desk.example.com`); a request whose
   * `Origin` is not listed gets 4403 after the upgrade. Unset: any origin.
   */
  readonly allowedOrigins: unknown
  /**
   * Refuse (4403) requests without an `Origin` header. Non-browser clients (load tests,
   * server-side integrations) send none, and cannot forge a browser's anyway, so by default
   * they are let in; set it when only browsers should connect. Default: see `SETTINGS` /
   * docs/operations.md#configuration.
   */
  readonly requireOrigin: unknown
  /**
   * The relay is behind a proxy you trust (nginx, a load balancer): log the client address
   * from the last `X-Forwarded-For` entry and the proxy's `X-Request-Id`, instead of the
   * socket's peer (the proxy). Leave off otherwise: anyone can send those headers. Default:
   * see `SETTINGS` / docs/operations.md#configuration.
   */
  readonly trustProxy: unknown
  /**
   * The socket layer: `ws` over Node's HTTP server, or `uws`, uWebSockets.js (an optional peer
   * dependency installed from GitHub; about half of `ws`'s memory per idle connection).
   * Same protocol, tokens, limits and routes; the differences (oversized messages, the
   * handshake timeout) are in docs/operations.md, "Socket layer". Default: see `SETTINGS` /
   * docs/operations.md#configuration.
   */
  readonly transport: unknown
  /** pino logger. Unset: silent. */
  readonly logger: Logger
  /**
   * Serve `/metrics` on a separate HTTP server on this port (`0` = any free port) and not on
   * `port`, so it can stay off the public interface. Unset: served on `port`.
   */
  readonly metricsPort: unknown
  /** Interface of the separate metrics server. Unset: `host`. */
  readonly metricsHost: unknown
  /**
   * Cluster mode: the Redis server relay nodes share rooms through
   * (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS), or a Redis Cluster with
   * sharded pub/sub (`redis-cluster://[user:password@]host:port[,host:port...]`,
   * `rediss-cluster://` for TLS; docs/scale-out.md). Unset: a single relay that needs nothing
   * else.
   */
  readonly redisUrl: unknown
  /** Cluster mode: this node's name on the bus. Unset: generated (`<hostname>-<pid>`). */
  readonly nodeId: unknown
  /**
   * Cluster mode: prefix of the Redis channels (several deployments on one Redis). Default:
   * see `SETTINGS` / docs/operations.md#configuration.
   */
  readonly redisPrefix: unknown
  /**
   * Cluster mode: a node silent this long (ms) is declared down and its tabs removed from
   * every other node (nodes heartbeat every third of it); this plus `sweepIntervalMs` must not
   * exceed `livenessTimeoutMs`, so a dead node's tabs go within the liveness bound. Default:
   * see `SETTINGS` / docs/operations.md#configuration.
   */
  readonly nodeTimeoutMs: unknown
}

/** Options that are not settings (no variable, no flag): what only code can pass. */
type CodeOnlyOption = 'logger'

type Typed = {
  readonly [K in keyof OptionMeanings]: K extends OptionName ? OptionValues[K] : OptionMeanings[K]
}
type Optional = Exclude<keyof OptionMeanings, DefaultedOption>

/**
 * The options of `createRelay`: the table's options (those with a default always set once
 * resolved, the others optional) plus the logger. Pass a `Partial<RelayOptions>`.
 */
export type RelayOptions = Pick<Typed, DefaultedOption> & {
  readonly [K in keyof Pick<Typed, Optional>]?: Typed[K] | undefined
}

/** Fails to compile while `OptionMeanings` and the table's options differ. */
type SameKeys<A, B> = [Exclude<A, B>, Exclude<B, A>] extends [never, never] ? true : never
const optionsMatchTheTable: SameKeys<keyof OptionMeanings, OptionName | CodeOnlyOption> = true
void optionsMatchTheTable
