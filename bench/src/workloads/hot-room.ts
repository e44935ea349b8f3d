/**
 * hot room: 1,000 tabs in rooms of 50, each changing its activity twice a second. Every
 * change fans out to 49 receivers: this is where forwarding cost shows.
 */
import type { BenchConfig } from '../config.js'
import { serverFigures, type WindowFigures, windowFigures } from '../figures.js'
import type { ServerKind } from '../generator-protocol.js'
import { cpuPercent } from '../proc-stats.js'
import { measureWindow, openSession, populate, presenceBehaviour } from './common.js'

export interface HotRoomResult {
  readonly connect: { readonly opened: number; readonly failed: number; readonly settled: boolean }
  /** Deliveries per second the workload offers (changes/s x (N-1)). */
  readonly offeredDeliveriesPerSec: number
  readonly window: WindowFigures
}

export async function runHotRoom(
  kind: ServerKind,
  config: BenchConfig,
  cpuProfDir?: string,
): Promise<HotRoomResult> {
  const c = config.hotRoom
  const session = await openSession({
    kind,
    config,
    tabs: c.tabs,
    behaviour: presenceBehaviour(kind, c.changeMs),
    cpuProfDir,
  })
  try {
    const { opened, failed, settled } = await populate(session, config, c.tabs, c.roomSize)
    const { totals, activeMs, from, to } = await measureWindow(session, c.windowMs)
    return {
      connect: { opened, failed, settled: settled.ok },
      offeredDeliveriesPerSec: Math.round((c.tabs * 1000 * (c.roomSize - 1)) / c.changeMs),
      window: windowFigures(
        totals,
        c.roomSize,
        activeMs,
        serverFigures(session.baseline, from.server, to.server, totals.tabsOpen),
        cpuPercent(from.generators, to.generators),
      ),
    }
  } finally {
    await session.close()
  }
}
