/**
 * The load of one step, in three phases: add tabs and wait until every tab sees its room-mates
 * (bounded), an idle window (changes off: heartbeats, refreshes and pings only), then a window
 * with one change per tab per `changeMs`, drained before counting.
 */
import type { GeneratorStats } from '../generator-protocol.js'
import { delay, sumStats, type Totals } from '../session.js'
import { type NodeMetrics, nodeMetrics } from './node-metrics.js'
import type { ClusterCapacityOptions } from './options.js'
import { round } from './result.js'
import { type Snapshot, snapshot } from './sampling.js'
import type { RunPlan, Topology } from './topology.js'

export interface StepContext {
  readonly o: ClusterCapacityOptions
  readonly plan: RunPlan
  readonly topology: Topology
}

/** What the steps so far have opened: whole rooms, and tabs per generator. */
export interface StepState {
  rooms: number
  readonly tabsPerGenerator: number[]
}

/** What a step adds, and what every process would hold after it. */
export interface StepPlan {
  readonly target: number
  readonly addRooms: number
  /** Rooms each generator opens (the last ones may open fewer). */
  readonly roomsPerGenerator: number
  readonly addTabs: number
  readonly nextTabs: number
  readonly tabsPerNode: number
  /** Tabs of the busiest generator after the step. */
  readonly tabsPerGenerator: number
}

export function planStep(target: number, state: StepState, ctx: StepContext): StepPlan {
  const { roomSize } = ctx.o
  const addRooms = Math.max(0, Math.ceil((target - state.rooms * roomSize) / roomSize))
  const nextTabs = (state.rooms + addRooms) * roomSize
  const roomsPerGenerator = Math.ceil(addRooms / ctx.plan.generators)
  return {
    target,
    addRooms,
    roomsPerGenerator,
    addTabs: addRooms * roomSize,
    nextTabs,
    tabsPerNode: Math.ceil((nextTabs / ctx.plan.nodes) * 1.05),
    tabsPerGenerator: Math.max(...state.tabsPerGenerator) + roomsPerGenerator * roomSize,
  }
}

export interface ConnectPhase {
  readonly start: Snapshot
  readonly connectedAt: number
  readonly end: Snapshot
  readonly failed: number
  readonly settled: boolean
  /** Tabs still short of a room-mate when settling ended. */
  readonly missing: number
  readonly totals: Totals
}

export interface Window {
  readonly start: Snapshot
  readonly end: Snapshot
  readonly totals: Totals
}

export interface MeasuredWindow extends Window {
  readonly busBefore: NodeMetrics
  readonly busAfter: NodeMetrics
}

function collect(t: Topology): Promise<Totals> {
  return t.generators.all<GeneratorStats>({ type: 'collect' }).then(sumStats)
}

/** Has each generator open its share of the step's rooms (bounded connect concurrency). */
function addRooms(ctx: StepContext, step: StepPlan, state: StepState) {
  const { o, plan, topology } = ctx
  const first = state.rooms
  state.rooms += step.addRooms
  const per = step.roomsPerGenerator
  return Promise.all(
    Array.from({ length: plan.generators }, (_, i) => {
      const start = first + i * per
      const n = Math.max(0, Math.min(per, first + step.addRooms - start))
      state.tabsPerGenerator[i]! += n * o.roomSize
      return n === 0
        ? Promise.resolve({ opened: 0, failed: 0 })
        : topology.generators.send<{ opened: number; failed: number }>(i, {
            type: 'addRooms',
            firstRoom: start,
            count: n,
            roomSize: o.roomSize,
            connectConcurrency: Math.max(1, Math.ceil(o.connectConcurrency / plan.generators)),
          })
    }),
  )
}

export async function connectPhase(
  ctx: StepContext,
  step: StepPlan,
  state: StepState,
): Promise<ConnectPhase> {
  const { o, topology } = ctx
  o.log(`step ${step.target}: adding ${step.addTabs} tabs ...`)
  const start = snapshot(topology)
  const added = await addRooms(ctx, step, state)
  const connectedAt = performance.now()
  const failed = added.reduce((s, r) => s + r.failed, 0)
  const settleResults = await topology.generators.all<{ ok: boolean; missing: number }>({
    type: 'settle',
    timeoutMs: o.settleTimeoutMs,
  })
  const settled = settleResults.every((r) => r.ok)
  const missing = settleResults.reduce((s, r) => s + r.missing, 0)
  const end = snapshot(topology)
  const totals = await collect(topology)
  o.log(
    `step ${step.target}: ${totals.tabsOpen} open, ${failed} failed, ` +
      `${settled ? 'settled' : `NOT settled (${missing} tabs short)`} in ${round((end.atMs - start.atMs) / 1000)} s; idle window ...`,
  )
  return { start, connectedAt, end, failed, settled, missing, totals }
}

/** Heartbeats (and the relay's refreshes and pings) only. */
export async function idleWindow(ctx: StepContext): Promise<Window> {
  const { o, topology } = ctx
  await topology.generators.all({ type: 'mark' })
  const start = snapshot(topology)
  await delay(o.idleMs)
  const end = snapshot(topology)
  return { start, end, totals: await collect(topology) }
}

/** One change per tab per `changeMs`, for `measureMs`; bus traffic from the nodes' /metrics. */
export async function measuredWindow(ctx: StepContext, target: number): Promise<MeasuredWindow> {
  const { o, topology } = ctx
  o.log(`step ${target}: measuring ${o.measureMs} ms with changes ...`)
  const busBefore = await nodeMetrics(topology.nodes)
  await topology.generators.all({ type: 'mark' })
  const start = snapshot(topology)
  await topology.generators.all({ type: 'changes', on: true })
  await delay(o.measureMs)
  await topology.generators.all({ type: 'changes', on: false })
  const end = snapshot(topology)
  const busAfter = await nodeMetrics(topology.nodes)
  return { start, end, totals: await drained(topology), busBefore, busAfter }
}

/** The generators' totals once the changes in flight have landed (at most 10 s). */
async function drained(t: Topology): Promise<Totals> {
  let lastCount = -1
  const drainUntil = performance.now() + 10_000
  let active = await collect(t)
  while (performance.now() < drainUntil) {
    const n = active.changeDeliveries + active.appearances + active.removals
    if (n === lastCount) break
    lastCount = n
    await delay(300)
    active = await collect(t)
  }
  return active
}
