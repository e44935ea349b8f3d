/**
 * steady: 10,000 tabs in rooms of 5 with default heartbeats. First an idle window (idle
 * cost), then one activity change per tab every 10 s (throughput, latency, amplification),
 * then ghost time: tabs that close, and tabs whose connection goes silent.
 */
import type { BenchConfig } from '../config.js'
import {
  type IdleCost,
  idleCost,
  type MemoryAfterGc,
  serverFigures,
  type WindowFigures,
  windowFigures,
} from '../figures.js'
import type { GhostResult, ServerKind } from '../generator-protocol.js'
import { Histogram, type LatencySummary } from '../histogram.js'
import { cpuPercent } from '../proc-stats.js'
import { delay } from '../session.js'
import { measureWindow, openSession, populate, presenceBehaviour } from './common.js'

export interface GhostFigures {
  readonly dropped: number
  /** Room-mates that saw the tab go, of those that should. */
  readonly seen: number
  readonly expected: number
  /** Time from the drop until each room-mate saw the removal. */
  readonly latency: LatencySummary
  readonly capMs: number
}

export interface SteadyResult {
  readonly connect: { readonly opened: number; readonly failed: number; readonly settled: boolean }
  readonly idle: IdleCost
  readonly window: WindowFigures
  /** Server memory per connection after GC, taken right after the change window. */
  readonly memoryAfterGc: MemoryAfterGc
  readonly ghostAfterClose: GhostFigures
  readonly ghostAfterSilentLoss: GhostFigures
  /**
   * Tabs lost between settling and the end of the change window (the server dropped them),
   * the relay's own count of what it refused or closed and why (Sightline; from its
   * `/metrics`), and the longest generator stall, which tells a relay fault (no stall) from
   * starved load generators (stalls near the liveness timeout, 10 s).
   */
  readonly lost: {
    readonly tabs: number
    readonly relayRefusals: Readonly<Record<string, number>> | null
    readonly generatorLoopLagMaxMs: number
  }
}

export async function runSteady(
  kind: ServerKind,
  config: BenchConfig,
  cpuProfDir?: string,
): Promise<SteadyResult> {
  const c = config.steady
  const session = await openSession({
    kind,
    config,
    cpuProfDir,
    tabs: c.tabs,
    behaviour: presenceBehaviour(kind, c.changeMs),
  })
  try {
    const { opened, failed, settled } = await populate(session, config, c.tabs, c.roomSize)

    await session.mark()
    await delay(c.idleWindowMs)
    const idle = idleCost(await session.collect())

    const { totals, activeMs, from, to } = await measureWindow(session, c.windowMs)
    const window = windowFigures(
      totals,
      c.roomSize,
      activeMs,
      serverFigures(session.baseline, from.server, to.server, totals.tabsOpen),
      cpuPercent(from.generators, to.generators),
    )
    const memoryAfterGc = await session.memoryAfterGc(totals.tabsOpen)

    const lost = {
      tabs: opened - totals.tabsOpen,
      relayRefusals: await session.relayRefusals(),
      generatorLoopLagMaxMs: Math.max(idle.generatorLoopLagMaxMs, window.generatorLoopLagMaxMs),
    }
    const perGenerator = Math.max(1, Math.ceil(c.ghosts / session.pool.size))
    const ghost = async (mode: 'close' | 'silent', capMs: number): Promise<GhostFigures> => {
      const parts = await session.pool.all<GhostResult>({
        type: 'ghost',
        mode,
        count: perGenerator,
        capMs,
      })
      const latency = new Histogram()
      for (const p of parts) latency.merge(p.latency)
      return {
        dropped: parts.reduce((s, p) => s + p.dropped, 0),
        seen: parts.reduce((s, p) => s + p.seen, 0),
        expected: parts.reduce((s, p) => s + p.expected, 0),
        latency: latency.summaryMs(),
        capMs,
      }
    }
    const ghostAfterClose = await ghost('close', c.ghostCloseCapMs)
    const ghostAfterSilentLoss = await ghost('silent', c.ghostSilentCapMs)
    return {
      connect: { opened, failed, settled: settled.ok },
      idle,
      window,
      memoryAfterGc,
      ghostAfterClose,
      ghostAfterSilentLoss,
      lost,
    }
  } finally {
    await session.close()
  }
}
