/**
 * The steps of a run, in order (cumulative tab counts): each is checked before it is added,
 * loaded (load.ts), turned into its row (row.ts) and checked again; the first that fails or
 * does not fit stops the run.
 */
import { beforeStep, failedCheck, verdictOf } from './checks.js'
import {
  connectPhase,
  idleWindow,
  measuredWindow,
  planStep,
  type StepContext,
  type StepPlan,
  type StepState,
} from './load.js'
import { memInfo } from './machine.js'
import { formatRow } from './report.js'
import type { CapacityStepRow, Verdict } from './result.js'
import { stepRow } from './row.js'
import { snapshot, sumRss } from './sampling.js'

async function runStep(
  ctx: StepContext,
  step: StepPlan,
  state: StepState,
  baselineRelayRss: number,
): Promise<{ row: CapacityStepRow; availableBytes: number }> {
  const connect = await connectPhase(ctx, step, state)
  const idle = await idleWindow(ctx)
  const measured = await measuredWindow(ctx, step.target)
  const { availableBytes } = memInfo()
  const phases = { step, connect, idle, measured, availableBytes }
  return { row: stepRow(phases, ctx.plan.cores, baselineRelayRss), availableBytes }
}

/**
 * Runs the steps until the last one or the first that stops the run, pushing each step's row
 * to `rows` as it ends (so an error leaves the rows so far); says why it stopped.
 */
export async function runSteps(ctx: StepContext, rows: CapacityStepRow[]): Promise<Verdict> {
  const { o, plan } = ctx
  const baselineRelayRss = sumRss(snapshot(ctx.topology).relays)
  const state: StepState = {
    rooms: 0,
    tabsPerGenerator: new Array<number>(plan.generators).fill(0),
  }
  for (const target of plan.steps) {
    const step = planStep(target, state, ctx)
    const refused = beforeStep(step, plan, rows.at(-1))
    if (refused !== null) return refused
    const { row, availableBytes } = await runStep(ctx, step, state, baselineRelayRss)
    const stop = failedCheck(row, availableBytes, o.p99LimitMs)
    rows.push(stop === null ? { ...row, passed: true } : row)
    o.log(`step ${target}: ${formatRow(rows.at(-1)!)}`)
    if (stop !== null) return verdictOf(row, stop, plan.cores)
  }
  return { stoppedBy: 'target', limitedBy: null, limitDetail: '' }
}
