/**
 * docs/performance.md's generated table (performance-table-render.ts) on small fixtures: the
 * goals of issue 21 flip between met and not met as a figure crosses its bound, servers and
 * workloads missing from a run read "not run", and the region between the markers is replaced.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { smokeConfig } from '../src/config.js'
import type { ServerKind } from '../src/generator-protocol.js'
import {
  cpuMsPerJoin,
  END_MARKER,
  GOALS,
  goalCell,
  newestResults,
  renderBenchTable,
  replaceRegion,
  START_MARKER,
  workloadTable,
} from '../src/performance-table-render.js'
import type { BenchResult } from '../src/result.js'

interface Figures {
  readonly dps: number
  readonly p99: number
  readonly rssKB: number
  readonly hotDps: number
  readonly joinCpuMs: number
  readonly connectP99: number
}

const REFERENCE: Figures = {
  dps: 10_000,
  p99: 10,
  rssKB: 10,
  hotDps: 100_000,
  joinCpuMs: 1000,
  connectP99: 50,
}

const config = smokeConfig()
/** Joins in the churn window: `joinsPerSec` 100 over the smoke run's duration. */
const joins = (100 * config.churn.durationMs) / 1000

function figures(f: Figures) {
  return {
    steady: {
      window: { deliveriesPerCpuSecond: f.dps, latency: { p99Ms: f.p99 } },
      memoryAfterGc: { rssPerConnectionKB: f.rssKB },
    },
    'hot-room': { window: { deliveriesPerCpuSecond: f.hotDps, latency: { p99Ms: f.p99 } } },
    churn: {
      joinsPerSec: 100,
      server: { cpuMs: f.joinCpuMs * joins },
      connectLatency: { p99Ms: f.connectP99 },
    },
  }
}

/** A run of the given servers with steady, hot-room and churn figures. */
function run(servers: Partial<Record<ServerKind, Figures>>): BenchResult {
  const workloads: Record<string, Record<string, unknown>> = {
    steady: {},
    'hot-room': {},
    churn: {},
  }
  for (const [kind, f] of Object.entries(servers)) {
    for (const [workload, r] of Object.entries(figures(f))) workloads[workload]![kind] = r
  }
  return {
    date: '2026-12-08T00:00:00.000Z',
    mode: 'full',
    scale: 1,
    machine: { cpus: 2, cpuModel: 'test', memoryGB: 4, node: 'v20', platform: 'linux x64' },
    config,
    workloads,
  }
}

const goal = (start: string) => GOALS.find((g) => g.text.startsWith(start))!

describe('bench table', () => {
  it('takes churn CPU per join from the window CPU over the joins', () => {
    const r = run({ reference: REFERENCE })
    expect(cpuMsPerJoin(r.workloads.churn!.reference as never, r)).toBeCloseTo(1000)
  })

  it('marks joins met at 0.8x CPU and the same connect p99, not met just past either', () => {
    const joinsGoal = goal('joins')
    const at = (joinCpuMs: number, connectP99: number) =>
      goalCell(
        joinsGoal,
        run({ reference: REFERENCE, sightline: { ...REFERENCE, joinCpuMs, connectP99 } }),
        'sightline',
      )
    expect(at(800, 50)).toMatch(/^\*\*met\*\* \(0\.80x CPU per join; connect p99 50 vs 50 ms\)$/)
    expect(at(810, 50)).toMatch(/^\*\*not met\*\*/)
    expect(at(500, 50.5)).toMatch(/^\*\*not met\*\*/)
  })

  it('marks steady met at 1.5x deliveries per CPU-second, not met below or with a worse p99', () => {
    const steadyGoal = goal('steady')
    const at = (dps: number, p99: number) =>
      goalCell(
        steadyGoal,
        run({ reference: REFERENCE, 'sightline-uws': { ...REFERENCE, dps, p99 } }),
        'sightline-uws',
      )
    expect(at(15_000, 10)).toMatch(/^\*\*met\*\*/)
    expect(at(14_900, 10)).toMatch(/^\*\*not met\*\*/)
    expect(at(30_000, 10.1)).toMatch(/^\*\*not met\*\*/)
  })

  it('marks the uws memory and hot-room goals at their bounds', () => {
    const at = (start: string, f: Partial<Figures>) =>
      goalCell(
        goal(start),
        run({ reference: REFERENCE, 'sightline-uws': { ...REFERENCE, ...f } }),
        'sightline-uws',
      )
    expect(at('memory', { rssKB: 5 })).toMatch(/^\*\*met\*\* \(0\.50x: 5 vs 10 KB\)$/)
    expect(at('memory', { rssKB: 5.1 })).toMatch(/^\*\*not met\*\*/)
    expect(at('hot room', { hotDps: 300_000 })).toMatch(/^\*\*met\*\*/)
    expect(at('hot room', { hotDps: 299_000 })).toMatch(/^\*\*not met\*\*/)
  })

  it('shows a uws-only goal for ws as its figure, not as met or not', () => {
    const r = run({ reference: REFERENCE, sightline: { ...REFERENCE, rssKB: 4 } })
    expect(goalCell(goal('memory'), r, 'sightline')).toBe(
      'not a goal for this layer (0.40x: 4 vs 10 KB)',
    )
  })

  it('renders a server or workload missing from the run as "not run"', () => {
    const r = run({ reference: REFERENCE, sightline: REFERENCE })
    const steady = workloadTable(r, 'steady')
    const header = steady.find((l) => l.startsWith('| figure'))!
    const row = steady.find((l) => l.startsWith('| deliveries per server CPU-second'))!
    const cells = (line: string) => line.split('|').map((c) => c.trim())
    const uws = cells(header).indexOf('sightline-uws')
    expect(uws).toBeGreaterThan(0)
    expect(cells(row)[uws]).toBe('not run')
    expect(cells(row)[cells(header).indexOf('sightline / reference')]).toBe('1.00x')
    expect(workloadTable(r, 'capacity')).toEqual(['**capacity**: not run'])
    for (const g of GOALS) expect(goalCell(g, r, 'sightline-uws')).toBe('not run')
    const noReference = run({ sightline: REFERENCE })
    expect(goalCell(goal('joins'), noReference, 'sightline')).toBe('not run')
    const text = renderBenchTable(noReference, 'bench/results/x.json')
    expect(text).toContain('`bench/results/x.json`')
    expect(text).toContain('**restart-storm**: not run')
  })

  it('replaces only the region between the markers, and refuses a doc without them', () => {
    const doc = `# Doc\n\n${START_MARKER}\nold\nlines\n${END_MARKER}\n\nafter\n`
    const next = replaceRegion(doc, 'new\n')
    expect(next).toBe(`# Doc\n\n${START_MARKER}\nnew\n${END_MARKER}\n\nafter\n`)
    expect(replaceRegion(next, 'new\n')).toBe(next)
    expect(() => replaceRegion('# Doc\n', 'new\n')).toThrow(/bench-table:start/)
  })

  it('picks the newest dated results file by name', () => {
    const names = ['2026-11-25.json', 'capacity-2026-12-01.json', '2026-11-30.json', 'x.json']
    expect(newestResults(names)).toBe('2026-11-30.json')
    expect(newestResults(['cluster-2026-11-30.json'])).toBeUndefined()
  })
})

describe('docs/performance.md', () => {
  it('holds the table generated from the newest committed results (pnpm bench:table)', () => {
    const root = join(import.meta.dirname, '..', '..')
    const results = join(root, 'bench', 'results')
    const newest = newestResults(readdirSync(results))
    expect(newest).toBeDefined()
    const run = JSON.parse(readFileSync(join(results, newest!), 'utf8')) as BenchResult
    const doc = readFileSync(join(root, 'docs', 'performance.md'), 'utf8')
    const regenerated = replaceRegion(doc, renderBenchTable(run, `bench/results/${newest}`))
    expect(doc, 'run pnpm bench:table').toBe(regenerated)
  })
})
