/**
 * Runs the chosen workloads against the chosen servers, one fresh server process per
 * workload and server, and reports. Shared by the CLI (run.ts) and the smoke test.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { type BenchConfig, fullConfig, smokeConfig, type WorkloadName } from './config.js'
import { isSightline, type ServerKind } from './generator-protocol.js'
import { renderReport } from './report.js'
import type { BenchResult, WorkloadResults } from './result.js'
import { notesFor } from './server-notes.js'
import { buildRelay, REPO_ROOT } from './servers.js'
import { runCapacity } from './workloads/capacity.js'
import { runChurn } from './workloads/churn.js'
import { runHotRoom } from './workloads/hot-room.js'
import { runRestartStorm } from './workloads/restart-storm.js'
import { runSteady } from './workloads/steady.js'

export type { BenchResult, WorkloadResults } from './result.js'

export interface BenchOptions {
  readonly workloads: readonly WorkloadName[]
  readonly servers: readonly ServerKind[]
  readonly smoke: boolean
  readonly scale: number
  /** JSON output path; default `bench/results/<YYYY-MM-DD>.json` (smoke: not written). */
  readonly out?: string | undefined
  /** Profile the servers of the hot-room workload into this directory. */
  readonly cpuProfDir?: string | undefined
  readonly log: (line: string) => void
  readonly print: (text: string) => void
}

async function runOne(
  workload: WorkloadName,
  kind: ServerKind,
  config: BenchConfig,
  cpuProfDir: string | undefined,
): Promise<unknown> {
  switch (workload) {
    case 'steady':
      return runSteady(kind, config, cpuProfDir)
    case 'hot-room':
      return runHotRoom(kind, config, cpuProfDir)
    case 'churn':
      return runChurn(kind, config, cpuProfDir)
    case 'restart-storm':
      return runRestartStorm(kind, config)
    case 'capacity':
      return runCapacity(kind, config)
  }
}

export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const config = o.smoke ? smokeConfig() : fullConfig(o.scale)
  const cpu = cpus()
  const result: BenchResult = {
    date: new Date().toISOString(),
    mode: o.smoke ? 'smoke' : 'full',
    scale: o.smoke ? 1 : o.scale,
    machine: {
      cpus: cpu.length,
      cpuModel: cpu[0]?.model ?? 'unknown',
      memoryGB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
    },
    config,
    workloads: {},
    notComparable: notesFor(o.servers),
  }
  if (o.servers.some(isSightline)) {
    o.log('bench: building the relay (packages/relay/dist) ...')
    await buildRelay()
  }
  for (const workload of o.workloads) {
    const perServer: WorkloadResults = {}
    result.workloads[workload] = perServer
    for (const kind of o.servers) {
      const started = performance.now()
      o.log(`bench: ${workload} on ${kind} ...`)
      perServer[kind] = await runOne(workload, kind, config, o.cpuProfDir)
      o.log(
        `bench: ${workload} on ${kind} done in ${Math.round((performance.now() - started) / 1000)} s`,
      )
    }
  }
  o.print(renderReport(result))
  const out =
    o.out ??
    (o.smoke ? undefined : join(REPO_ROOT, 'bench', 'results', `${result.date.slice(0, 10)}.json`))
  if (out !== undefined) {
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`)
    o.log(`bench: wrote ${out}`)
  }
  return result
}
