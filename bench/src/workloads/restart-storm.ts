/**
 * restart storm: 5,000 tabs in rooms of 5; the server is killed with SIGKILL (no close
 * frames) and started again on the same port. Tabs reconnect with the presence client's
 * full-jitter backoff (250 ms doubling to 5 s). Measured: the time until every tab again sees
 * all its room-mates, from the kill and from the moment the new server listens.
 */
import type { BenchConfig } from '../config.js'
import type { ServerKind } from '../generator-protocol.js'
import type { LatencySummary } from '../histogram.js'
import { delay } from '../session.js'
import { openSession, populate, presenceBehaviour } from './common.js'

export interface RestartStormResult {
  readonly tabs: number
  readonly settledBefore: boolean
  readonly restored: boolean
  /** Tabs still missing a room-mate when the wait ended (0 when restored). */
  readonly missing: number
  readonly downMs: number
  readonly restoredAfterKillMs: number | null
  readonly restoredAfterListenMs: number | null
  readonly reconnectFailures: number
  /** Why reconnect attempts failed, by error code (ECONNREFUSED while down, HTTP status...). */
  readonly reconnectErrors: Readonly<Record<string, number>>
  /** From a reconnect attempt's connect call to its socket opening (successful ones). */
  readonly reconnectLatency: LatencySummary
  /** Sockets the server closed after they opened, by close code. */
  readonly closeCodes: Readonly<Record<string, number>>
}

export async function runRestartStorm(
  kind: ServerKind,
  config: BenchConfig,
): Promise<RestartStormResult> {
  const c = config.restartStorm
  const session = await openSession({
    kind,
    config,
    tabs: c.tabs,
    behaviour: presenceBehaviour(kind, 0, true),
  })
  try {
    const { settled } = await populate(session, config, c.tabs, c.roomSize)
    await delay(500)
    await session.mark()
    const { killedAtUs, listeningAtUs } = await session.server.killAndRestart()
    const waits = await session.pool.all<{ ok: boolean; atUs: number; missing: number }>({
      type: 'waitRestored',
      timeoutMs: c.timeoutMs,
      afterUs: killedAtUs,
    })
    const restored = waits.every((w) => w.ok)
    const atUs = Math.max(...waits.map((w) => w.atUs))
    const totals = await session.collect()
    return {
      tabs: c.tabs,
      settledBefore: settled.ok,
      restored,
      missing: waits.reduce((s, w) => s + w.missing, 0),
      downMs: Math.round((listeningAtUs - killedAtUs) / 1000),
      restoredAfterKillMs: restored ? Math.round((atUs - killedAtUs) / 1000) : null,
      restoredAfterListenMs: restored ? Math.round((atUs - listeningAtUs) / 1000) : null,
      reconnectFailures: totals.connectFailures,
      reconnectErrors: totals.connectErrors,
      closeCodes: totals.closeCodes,
      reconnectLatency: totals.connect.summaryMs(),
    }
  } finally {
    await session.close()
  }
}
