/**
 * How many tabs this machine would hold: each figure of the measured steps fitted against tabs
 * and extended to the limit it would hit (CPU, one core, memory), and the socket bound.
 */
import { memInfo } from './machine.js'
import { FD_RESERVE, MEMORY_RESERVE_BYTES, SATURATED, SOCKETS_PER_PROCESS } from './options.js'
import { type CapacityStepRow, MB, type Projection } from './result.js'

type Points = readonly (readonly [number, number])[]

/** Least-squares line through (x, y); through the origin with one point. */
function fit(points: Points): { a: number; b: number } | null {
  if (points.length === 0) return null
  if (points.length === 1) {
    const [x, y] = points[0]!
    return x > 0 ? { a: 0, b: y / x } : null
  }
  const n = points.length
  const mx = points.reduce((s, p) => s + p[0], 0) / n
  const my = points.reduce((s, p) => s + p[1], 0) / n
  const sxx = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0)
  if (sxx === 0) return null
  const b = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) / sxx
  return { a: my - b * mx, b }
}

/** Tabs at which the fitted line of `y` reaches `limit` (null when it does not rise). */
function reach(points: Points, limit: number): number | null {
  const f = fit(points)
  if (f === null || !(f.b > 0)) return null
  return Math.max(0, Math.round((limit - f.a) / f.b))
}

/** The smallest bound, and its name. */
function tightest(candidates: readonly [string, number | null][]): [string, number] | null {
  let best: [string, number] | null = null
  for (const [name, v] of candidates)
    if (v !== null && (best === null || v < best[1])) best = [name, v]
  return best
}

function methodOf(used: number, passed: boolean, cores: number): string {
  return (
    `${used > 1 ? 'least-squares line' : 'proportion (through 0)'} of each figure against tabs ` +
    `over ${used} ${passed ? 'passed' : 'measured'} step(s), extended to ` +
    `${SATURATED * 100} % of ${cores} cores (bench; relays + Redis), ${SATURATED * 100} % of one ` +
    `core (busiest node; Redis), all memory less 2 GiB`
  )
}

export function project(
  steps: readonly CapacityStepRow[],
  cores: number,
  nodes: number,
  generators: number,
  fdLimit: number,
): Projection {
  const passed = steps.filter((s) => s.passed && s.tabs > 0)
  const use = passed.length > 0 ? passed : steps.filter((s) => s.tabs > 0)
  const pts = (f: (s: CapacityStepRow) => number) => use.map((s) => [s.tabs, f(s)] as const)
  const machine = cores * 100 * SATURATED
  const { totalBytes } = memInfo()
  const cpuBench = reach(
    pts((s) => s.cpu.benchPercent),
    machine,
  )
  const cpuRelaysAndRedis = reach(
    pts((s) => s.cpu.relaysPercent + s.cpu.redisPercent),
    machine,
  )
  const busiestNodeCpu = reach(
    pts((s) => s.cpu.relayNodeMaxPercent),
    100 * SATURATED,
  )
  const redisCpu = reach(
    pts((s) => s.cpu.redisPercent),
    100 * SATURATED,
  )
  const memory = reach(
    pts((s) => (s.memory.relaysRssMB + s.memory.redisRssMB + s.memory.generatorsRssMB) * MB),
    totalBytes - MEMORY_RESERVE_BYTES,
  )
  const fd =
    Math.min(nodes, generators) * (Math.min(fdLimit, SOCKETS_PER_PROCESS + FD_RESERVE) - FD_RESERVE)
  const best = tightest([
    ['CPU of the whole benchmark (relays, Redis, generators)', cpuBench],
    ['CPU of the busiest relay node (one core)', busiestNodeCpu],
    ['CPU of Redis (one core)', redisCpu],
    ['memory', memory],
    [`sockets per process (${nodes} nodes, ${generators} generators)`, fd],
  ])
  return {
    cpuBench,
    cpuRelaysAndRedis,
    busiestNodeCpu,
    redisCpu,
    memory,
    fdLimit: fd,
    tabs: best?.[1] ?? null,
    boundBy: best?.[0] ?? null,
    method: methodOf(use.length, passed.length > 0, cores),
  }
}
