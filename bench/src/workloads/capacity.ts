/**
 * capacity: adds steady-workload tabs (rooms of 5, heartbeats, one change per tab every
 * 10 s) in steps, measuring propagation latency at each step, until p99 passes 100 ms, the
 * target count is reached, tabs fail to connect, or the machine's open-file limit would be
 * exceeded (the server holds one descriptor per connection).
 */
import type { BenchConfig } from '../config.js'
import { type MemoryAfterGc, serverFigures, type WindowFigures, windowFigures } from '../figures.js'
import type { ServerKind } from '../generator-protocol.js'
import { cpuPercent } from '../proc-stats.js'
import { hardFdLimit } from '../servers.js'
import { measureWindow, openSession, presenceBehaviour } from './common.js'

/** Descriptors a server needs besides its connections (listen socket, stdio, libuv, ...). */
const FD_RESERVE = 100

export interface CapacityStep extends WindowFigures {
  readonly connectFailures: number
  /** Server memory per connection after GC, taken after the step's window. */
  readonly memoryAfterGc: MemoryAfterGc
}

export type CapacityStop = 'p99' | 'target' | 'connect-failures' | 'fd-limit' | 'settle-timeout'

export interface CapacityResult {
  readonly target: number
  readonly fdLimit: number
  readonly steps: readonly CapacityStep[]
  /** The most tabs held with p99 under the limit. */
  readonly maxTabsUnderLimit: number
  readonly stoppedBy: CapacityStop
}

export async function runCapacity(kind: ServerKind, config: BenchConfig): Promise<CapacityResult> {
  const c = config.capacity
  const fdLimit = await hardFdLimit()
  const ceiling = Math.min(c.max, fdLimit - FD_RESERVE)
  const session = await openSession({
    kind,
    config,
    tabs: ceiling,
    behaviour: presenceBehaviour(kind, c.changeMs),
  })
  const steps: CapacityStep[] = []
  let maxTabsUnderLimit = 0
  let stoppedBy: CapacityStop = 'target'
  try {
    for (;;) {
      const tabs = session.rooms * c.roomSize
      const stepTabs = Math.min(c.step, ceiling - tabs)
      const rooms = Math.floor(stepTabs / c.roomSize)
      if (rooms <= 0) {
        stoppedBy = ceiling < c.max ? 'fd-limit' : 'target'
        break
      }
      await session.changes(false)
      const { failed } = await session.addRooms(rooms, c.roomSize)
      const settled = await session.settle(config.settleTimeoutMs)
      const { totals, activeMs, from, to } = await measureWindow(session, c.windowMs)
      const memoryAfterGc = await session.memoryAfterGc(totals.tabsOpen)
      const step: CapacityStep = {
        ...windowFigures(
          totals,
          c.roomSize,
          activeMs,
          serverFigures(session.baseline, from.server, to.server, totals.tabsOpen),
          cpuPercent(from.generators, to.generators),
        ),
        connectFailures: failed,
        memoryAfterGc,
      }
      steps.push(step)
      const p99 = step.latency.p99Ms ?? Number.POSITIVE_INFINITY
      if (p99 > c.p99LimitMs) {
        stoppedBy = 'p99'
        break
      }
      maxTabsUnderLimit = step.tabs
      if (failed > 0) {
        stoppedBy = 'connect-failures'
        break
      }
      if (!settled.ok) {
        stoppedBy = 'settle-timeout'
        break
      }
    }
    return { target: c.max, fdLimit, steps, maxTabsUnderLimit, stoppedBy }
  } finally {
    await session.close()
  }
}
