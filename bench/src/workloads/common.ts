/** Helpers shared by the workloads. */
import { LivenessDefaults } from '@sightline/protocol'
import type { BenchConfig } from '../config.js'
import { type Behaviour, isSightline, type ServerKind } from '../generator-protocol.js'
import { delay, Session, type Totals } from '../session.js'

/**
 * Presence-client defaults. Against Sightline: heartbeat every `LivenessDefaults` period (7 s) and no renewal (the relay
 * refreshes every state; the client's `renewIntervalMs` defaults to off). Against the
 * reference and Hocuspocus: no heartbeat (they would not answer) and renewal after 15 s, as
 * y-protocols' Awareness does (HocuspocusProvider runs one) and as a client must toward a
 * server that does not refresh.
 */
export function presenceBehaviour(
  kind: ServerKind,
  changeMs: number,
  reconnect = false,
): Behaviour {
  const sightline = isSightline(kind)
  return {
    heartbeatMs: sightline ? LivenessDefaults.heartbeatIntervalMs : 0,
    renewMs: sightline ? 0 : 15_000,
    changeMs,
    reconnect,
  }
}

export function generatorsFor(config: BenchConfig, tabs: number): number {
  return Math.max(config.smoke ? 1 : 2, Math.ceil(tabs / config.tabsPerGenerator))
}

export interface OpenOptions {
  readonly kind: ServerKind
  readonly config: BenchConfig
  readonly tabs: number
  readonly behaviour: Behaviour
  readonly cpuProfDir?: string | undefined
}

/**
 * Opens a session against a server of `kind` (session.ts gives a Sightline kind its token
 * secret and environment, and reads its `/metrics`; servers.ts picks its socket layer).
 */
export function openSession(o: OpenOptions): Promise<Session> {
  return Session.open({
    kind: o.kind,
    generators: generatorsFor(o.config, o.tabs),
    behaviour: o.behaviour,
    relayEnv: o.config.relayEnv,
    cpuProfDir: o.cpuProfDir,
  })
}

/** Opens the rooms and waits for full presence; throws when tabs could not connect. */
export async function populate(
  session: Session,
  config: BenchConfig,
  tabs: number,
  roomSize: number,
) {
  const rooms = Math.ceil(tabs / roomSize)
  const { opened, failed } = await session.addRooms(rooms, roomSize)
  const settled = await session.settle(config.settleTimeoutMs)
  return { opened, failed, settled }
}

/** Waits until no more deliveries arrive (the in-flight changes have landed). */
export async function drain(session: Session, quietMs = 300, maxMs = 10_000): Promise<void> {
  const deadline = performance.now() + maxMs
  let last = -1
  while (performance.now() < deadline) {
    const t = await session.collect()
    const n = t.changeDeliveries + t.echoes + t.removals + t.appearances
    if (n === last) return
    last = n
    await new Promise((resolve) => setTimeout(resolve, quietMs))
  }
}

/** What one measured window of activity yields (see `measureWindow`). */
export interface MeasuredWindow {
  readonly totals: Totals
  /** How long changes were on, ms. */
  readonly activeMs: number
  readonly from: ReturnType<Session['samples']>
  readonly to: ReturnType<Session['samples']>
}

/**
 * One measured window: counters reset, activity changes on for `windowMs`, off, in-flight
 * deliveries drained, then the generators' totals and the CPU samples at both ends.
 */
export async function measureWindow(session: Session, windowMs: number): Promise<MeasuredWindow> {
  await session.mark()
  const from = session.samples()
  await session.changes(true)
  const startedAt = performance.now()
  await delay(windowMs)
  await session.changes(false)
  const activeMs = performance.now() - startedAt
  const to = session.samples()
  await drain(session)
  return { totals: await session.collect(), activeMs, from, to }
}
