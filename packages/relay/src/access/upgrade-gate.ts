/**
 * The relay's answer to each upgrade request, whatever the socket layer (transport.ts says
 * in which order a transport calls these):
 *
 * 1. `screen`: an address over its budget of failed admissions gets HTTP 429, and past
 *    `maxPendingUpgrades` requests waiting for their token check HTTP 503, before any work;
 * 2. `decide`: origin, room, token and grant (admission.ts);
 * 3. `opened`: a refusal is closed with its code (refusal.ts) and dropped if the client does
 *    not answer the close; a draining relay refuses with 1012; capacity (capacity.ts) is
 *    checked last; otherwise the socket becomes a connection (`RelayConnections.open`).
 *
 * Every refusal is counted, its log line aggregated (ops/refusal-log.ts), and, when it is the
 * client's fault, charged to its address (failure-budget.ts).
 */
import type { Logger } from 'pino'
import type { RelayOptions } from '../config/options.js'
import type { RelayConnections } from '../core/relay-connections.js'
import type { RelayMetrics } from '../ops/metrics.js'
import type { RefusalLog } from '../ops/refusal-log.js'
import { closeCodeOf, closeReasonOf, RefusalReason } from '../refusal.js'
import type { RelaySocket } from '../transport/relay-socket.js'
import type { EarlyRefusal, TransportHandlers, UpgradeRequest } from '../transport/transport.js'
import { type Admission, admit } from './admission.js'
import { checkCapacity } from './capacity.js'
import type { ClientAddress } from './client-address.js'
import type { FailureBudget } from './failure-budget.js'
import { createOriginCheck } from './origin.js'
import type { TokenVerifier } from './tokens.js'

/**
 * A refused socket whose peer does not answer the close frame within this (ms) is destroyed
 * (ws would wait 30 s): a refusal must not hold relay resources.
 */
export const REFUSED_CLOSE_WAIT_MS = 1000

/** Refusals of these reasons are the client's fault: each takes from its address's budget. */
const FAILED_ADMISSIONS: ReadonlySet<string> = new Set([
  RefusalReason.BadToken,
  RefusalReason.BadRoom,
  RefusalReason.Origin,
  RefusalReason.RoomNotGranted,
])

export interface UpgradeGateInit {
  readonly options: RelayOptions
  readonly verifier: TokenVerifier
  readonly connections: RelayConnections
  readonly failures: FailureBudget
  readonly refusals: RefusalLog
  readonly metrics: RelayMetrics
  readonly log: Logger
  /** True once the relay is closing: every socket is refused with 1012. */
  readonly closing: () => boolean
}

export type UpgradeGate = Omit<TransportHandlers<Admission>, 'http' | 'metricsHttp'>

export function createUpgradeGate(init: UpgradeGateInit): UpgradeGate {
  const { options, verifier, connections, failures, log } = init
  const originAllowed = createOriginCheck(options)
  /** Requests between `screen` and `settled`. */
  let pending = 0
  let nextId = 0

  const refuse = refuser(init)
  const drop = dropper(init)

  return {
    screen(req: UpgradeRequest): EarlyRefusal | null {
      // An address that failed too many handshakes: refused before any work is done for it.
      if (failures.exhausted(req.address.addr)) {
        drop(RefusalReason.AddressRateLimited, req.address)
        return RefusalReason.AddressRateLimited
      }
      // Verifying a token is asynchronous: cap the requests waiting for it (or for a refused
      // client to answer its close), so a flood of upgrades cannot pile up.
      if (pending >= options.maxPendingUpgrades) {
        drop(RefusalReason.TooManyPending, req.address)
        return RefusalReason.TooManyPending
      }
      pending++
      return null
    },
    async decide(req) {
      try {
        return await admit(req.url, verifier, originAllowed(req.origin), req.protocols)
      } catch (error) {
        log.error({ err: error }, 'admission failed')
        throw error
      }
    },
    opened(socket, admission, req) {
      const conn = `c${(++nextId).toString(36)}`
      if (init.closing()) {
        refuse(socket, { conn, ...req.address }, RefusalReason.RelayClosing)
        return false
      }
      if (!admission.ok) {
        const { room, detail, reason } = admission
        refuse(socket, { conn, room, detail, ...req.address }, reason)
        return false
      }
      const full = checkCapacity(connections.usage(admission.room, admission.claims.sub), options)
      if (full !== null) {
        refuse(socket, { conn, room: admission.room, ...req.address }, full)
        return false
      }
      connections.open(socket, conn, admission.room, admission.claims, req.address)
      return true
    },
    settled() {
      pending--
    },
    dropped(addr, reason) {
      // Behind a proxy the socket's address is the proxy's: charging it would lock everyone out.
      if (!options.trustProxy) failures.failed(addr)
      drop(reason, { addr })
    },
  }
}

/** The one place a socket is refused right after its upgrade (the code reaches browsers). */
function refuser(init: UpgradeGateInit) {
  const { failures, refusals, metrics, log } = init
  return (
    socket: RelaySocket,
    fields: { conn: string; room?: string | undefined; detail?: string } & ClientAddress,
    reason: RefusalReason,
  ) => {
    const code = closeCodeOf(reason)
    if (FAILED_ADMISSIONS.has(reason)) failures.failed(fields.addr)
    if (refusals.note('refused', reason, fields.addr)) {
      log.info({ ...fields, code, reason }, 'refused')
    }
    metrics.refused(reason)
    metrics.closeSent(code)
    socket.close(code, closeReasonOf(reason, code))
    setTimeout(() => socket.terminate(), REFUSED_CLOSE_WAIT_MS).unref()
  }
}

/** A request dropped before any WebSocket: counted, its log line aggregated. */
function dropper(init: UpgradeGateInit) {
  const { refusals, metrics, log } = init
  return (reason: RefusalReason, address: ClientAddress) => {
    if (refusals.note('refused', reason, address.addr)) {
      log.info({ reason, ...address }, 'dropped before upgrade')
    }
    metrics.refused(reason)
  }
}
