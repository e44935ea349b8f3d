/**
 * restart storm: 5,000 tabs in rooms of 5; the server is killed with SIGKILL (no close
 * frames) and started again on the same port. Tabs reconnect with the presence client's
 * full-jitter backoff (250 ms doubling to 5 s). Measured: the time until every tab again sees
 * all its room-mates, from the kill and from the moment the new server listens. The storm is
 * repeated `cycles` times (3 in the full run) on the same tabs: each figure is the median of the
 * cycles (failed attempts: the mean per restart), because one restart's figures move by tens of
 * percent with the backoff's random draws.
 */
import type { BenchConfig } from '../config.js'
import type { ServerKind } from '../generator-protocol.js'
import { Histogram, type LatencySummary } from '../histogram.js'
import { delay } from '../session.js'
import { openSession, populate, presenceBehaviour } from './common.js'

/** One kill and restart. */
export interface RestartCycle {
  readonly restored: boolean
  /** Tabs still missing a room-mate when the wait ended (0 when restored). */
  readonly missing: number
  readonly downMs: number
  readonly restoredAfterKillMs: number | null
  readonly restoredAfterListenMs: number | null
  readonly reconnectFailures: number
}

/** The cycles' medians (failed attempts: the mean per restart), and what they add up to. */
export interface RestartStormResult extends RestartCycle {
  readonly tabs: number
  readonly settledBefore: boolean
  /** Why reconnect attempts failed, by error code (ECONNREFUSED while down, HTTP status...). */
  readonly reconnectErrors: Readonly<Record<string, number>>
  /** Each restart of the run, in order. */
  readonly cycles: readonly RestartCycle[]
  /** From a reconnect attempt's connect call to its socket opening (successful ones). */
  readonly reconnectLatency: LatencySummary
  /** Sockets the server closed after they opened, by close code. */
  readonly closeCodes: Readonly<Record<string, number>>
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0
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
    const cycles: RestartCycle[] = []
    const errors: Record<string, number> = {}
    const closeCodes: Record<string, number> = {}
    const connect = new Histogram()
    for (let i = 0; i < c.cycles; i++) {
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
      for (const [k, n] of Object.entries(totals.connectErrors)) errors[k] = (errors[k] ?? 0) + n
      for (const [k, n] of Object.entries(totals.closeCodes))
        closeCodes[k] = (closeCodes[k] ?? 0) + n
      connect.merge(totals.connect.toData())
      cycles.push({
        restored,
        missing: waits.reduce((sum, w) => sum + w.missing, 0),
        downMs: Math.round((listeningAtUs - killedAtUs) / 1000),
        restoredAfterKillMs: restored ? Math.round((atUs - killedAtUs) / 1000) : null,
        restoredAfterListenMs: restored ? Math.round((atUs - listeningAtUs) / 1000) : null,
        reconnectFailures: totals.connectFailures,
      })
      if (!restored) break
    }
    const restored = cycles.every((x) => x.restored)
    return {
      tabs: c.tabs,
      settledBefore: settled.ok,
      restored,
      missing: cycles.at(-1)?.missing ?? 0,
      downMs: median(cycles.map((x) => x.downMs)),
      restoredAfterKillMs: restored ? median(cycles.map((x) => x.restoredAfterKillMs ?? 0)) : null,
      restoredAfterListenMs: restored
        ? median(cycles.map((x) => x.restoredAfterListenMs ?? 0))
        : null,
      reconnectFailures: Math.round(
        cycles.reduce((sum, x) => sum + x.reconnectFailures, 0) / cycles.length,
      ),
      reconnectErrors: errors,
      closeCodes,
      reconnectLatency: connect.summaryMs(),
      cycles,
    }
  } finally {
    await session.close()
  }
}
