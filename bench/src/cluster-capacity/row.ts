/** A step's row of the result, from what its three phases measured. */
import type { ConnectPhase, MeasuredWindow, StepPlan, Window } from './load.js'
import { type CapacityStepRow, MB, round } from './result.js'
import { cpuFigures, EMPTY, type Snapshot, sumRss } from './sampling.js'

export interface StepPhases {
  readonly step: StepPlan
  readonly connect: ConnectPhase
  readonly idle: Window
  readonly measured: MeasuredWindow
  /** MemAvailable at the end of the step. */
  readonly availableBytes: number
}

/** The processes of the run that were gone at `s`. */
export function deadProcesses(s: Snapshot): string[] {
  return [
    ...s.relays.flatMap((r, i) => (r === null ? [`relay node ${i + 1}`] : [])),
    ...(s.redis === null ? ['redis'] : []),
    ...s.generators.flatMap((g, i) => (g === null ? [`generator ${i + 1}`] : [])),
  ]
}

function mergeCodes(...all: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of all) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v
  return out
}

function connectFigures(p: StepPhases, cores: number): CapacityStepRow['connect'] {
  const c = p.connect
  return {
    added: p.step.addTabs,
    failed: c.failed,
    seconds: round((c.connectedAt - c.start.atMs) / 1000),
    settled: c.settled,
    settleSeconds: round((c.end.atMs - c.connectedAt) / 1000),
    missing: c.missing,
    latency: c.totals.connect.summaryMs(),
    cpu: cpuFigures(c.start, c.end, cores),
    generatorLoopLagMaxMs: round(c.totals.loopLagMaxMs),
  }
}

function memoryFigures(
  end: Snapshot,
  tabs: number,
  baselineRelayRss: number,
  availableBytes: number,
): CapacityStepRow['memory'] {
  const relaysRss = sumRss(end.relays)
  return {
    relaysRssMB: round(relaysRss / MB),
    relayRssPerTabKB: tabs > 0 ? round(relaysRss / 1024 / tabs, 2) : null,
    relayRssPerTabAboveBaselineKB:
      tabs > 0 ? round((relaysRss - baselineRelayRss) / 1024 / tabs, 2) : null,
    redisRssMB: round((end.redis ?? EMPTY).rssBytes / MB),
    generatorsRssMB: round(sumRss(end.generators) / MB),
    machineAvailableMB: Math.round(availableBytes / MB),
  }
}

function idleFigures(idle: Window, cores: number): CapacityStepRow['idle'] {
  const tabs = idle.totals.tabsOpen
  const idleMin = (idle.end.atMs - idle.start.atMs) / 60_000
  const perTabMin = (v: number) => (tabs > 0 && idleMin > 0 ? round(v / tabs / idleMin) : null)
  return {
    seconds: round(idleMin * 60),
    upBytesPerTabMin: perTabMin(idle.totals.bytesTx),
    downBytesPerTabMin: perTabMin(idle.totals.bytesRx),
    upFramesPerTabMin: perTabMin(idle.totals.framesTx),
    downFramesPerTabMin: perTabMin(idle.totals.framesRx),
    cpu: cpuFigures(idle.start, idle.end, cores),
  }
}

function errorFigures(p: StepPhases): CapacityStepRow['errors'] {
  const phases = [p.connect.totals, p.idle.totals, p.measured.totals] as const
  return {
    connectFailures: p.connect.failed,
    connectErrors: mergeCodes(...phases.map((t) => t.connectErrors)),
    unexpectedCloses: phases.reduce((s, t) => s + t.unexpectedCloses, 0),
    closeCodes: mergeCodes(...phases.map((t) => t.closeCodes)),
    deadProcesses: deadProcesses(p.measured.end),
  }
}

/** The step's row, not yet passed (the checks decide that). */
export function stepRow(p: StepPhases, cores: number, baselineRelayRss: number): CapacityStepRow {
  const { measured } = p
  const active = measured.totals
  const measuredS = (measured.end.atMs - measured.start.atMs) / 1000
  const loopLag = Math.max(
    p.connect.totals.loopLagMaxMs,
    p.idle.totals.loopLagMaxMs,
    active.loopLagMaxMs,
  )
  return {
    target: p.step.target,
    tabs: active.tabsOpen,
    passed: false,
    connect: connectFigures(p, cores),
    latency: active.latency.summaryMs(),
    changesPerSec: round(active.changesSent / measuredS),
    deliveriesPerSec: round(active.changeDeliveries / measuredS),
    crossNodeShare:
      active.changeDeliveries > 0
        ? round(active.crossNodeDeliveries / active.changeDeliveries, 3)
        : null,
    cpu: cpuFigures(measured.start, measured.end, cores),
    memory: memoryFigures(measured.end, active.tabsOpen, baselineRelayRss, p.availableBytes),
    idle: idleFigures(p.idle, cores),
    bus: {
      messagesOutPerSec: round(
        (measured.busAfter.busMessagesOut - measured.busBefore.busMessagesOut) / measuredS,
      ),
      bytesOutPerSec: Math.round(
        (measured.busAfter.busBytesOut - measured.busBefore.busBytesOut) / measuredS,
      ),
    },
    nodes: { connections: measured.busAfter.connections, refusals: measured.busAfter.refusals },
    errors: errorFigures(p),
    generatorLoopLagMaxMs: round(loopLag),
  }
}
