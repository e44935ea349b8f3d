/**
 * churn: 500 tabs join and 500 leave per second. A base of idle tabs sits in rooms of 5;
 * short-lived tabs join those rooms (token, upgrade, announce) and leave after 2 s as a
 * client does (its removal, then a clean close; a close without removal is steady's ghost
 * measurement). Join latency is the time until a room-mate sees the newcomer's state; leave
 * latency the time from the leave until a room-mate sees the removal.
 */
import type { BenchConfig } from '../config.js'
import { type ServerFigures, serverFigures } from '../figures.js'
import type { ChurnResult, ServerKind } from '../generator-protocol.js'
import { Histogram, type LatencySummary } from '../histogram.js'
import { openSession, populate, presenceBehaviour } from './common.js'

export interface ChurnFigures {
  readonly baseTabs: number
  readonly offeredJoinsPerSec: number
  readonly joinsPerSec: number
  readonly leavesPerSec: number
  readonly failedJoins: number
  readonly connectLatency: LatencySummary
  readonly joinLatency: LatencySummary
  readonly leaveLatency: LatencySummary
  readonly server: ServerFigures
}

export async function runChurn(
  kind: ServerKind,
  config: BenchConfig,
  cpuProfDir?: string,
): Promise<ChurnFigures> {
  const c = config.churn
  const session = await openSession({
    kind,
    config,
    cpuProfDir,
    tabs: c.baseTabs + c.ratePerSec * (c.lifetimeMs / 1000),
    behaviour: presenceBehaviour(kind, 0),
  })
  try {
    await populate(session, config, c.baseTabs, c.roomSize)
    const from = session.sample()
    const rate = c.ratePerSec / session.pool.size
    const parts = await session.pool.all<ChurnResult>((i) => ({
      type: 'churn',
      ratePerSec: rate,
      lifetimeMs: c.lifetimeMs,
      durationMs: c.durationMs,
      roomSize: c.roomSize,
      clientIdBase: 100_000_000 + i * 10_000_000,
    }))
    const to = session.sample()
    const merged = (pick: (r: ChurnResult) => Parameters<Histogram['merge']>[0]) => {
      const h = new Histogram()
      for (const p of parts) h.merge(pick(p))
      return h.summaryMs()
    }
    const seconds = c.durationMs / 1000
    const sum = (pick: (r: ChurnResult) => number) => parts.reduce((s, p) => s + pick(p), 0)
    const open = (await session.collect()).tabsOpen
    return {
      baseTabs: c.baseTabs,
      offeredJoinsPerSec: c.ratePerSec,
      joinsPerSec: Math.round(sum((p) => p.joins) / seconds),
      leavesPerSec: Math.round(sum((p) => p.leaves) / seconds),
      failedJoins: sum((p) => p.failed),
      connectLatency: merged((p) => p.connect),
      joinLatency: merged((p) => p.join),
      leaveLatency: merged((p) => p.leave),
      server: serverFigures(session.baseline, from, to, open),
    }
  } finally {
    await session.close()
  }
}
