/**
 * Snapshots of every process of a run (CPU time, RSS) and of the machine, and the CPU figures
 * of the phase between two snapshots.
 */
import { type ProcSample, sampleProcess } from '../proc-stats.js'
import { machineTicks } from './machine.js'
import { type CpuFigures, round } from './result.js'
import type { Topology } from './topology.js'

export const EMPTY: ProcSample = { atMs: 0, cpuMs: 0, rssBytes: 0, peakRssBytes: 0 }

/** One instant of every process of the run. A process that is gone samples as null. */
export interface Snapshot {
  readonly atMs: number
  readonly relays: readonly (ProcSample | null)[]
  readonly redis: ProcSample | null
  readonly generators: readonly (ProcSample | null)[]
  readonly selfCpuMs: number
  readonly machine: { busy: number; total: number }
}

function trySample(pid: number): ProcSample | null {
  try {
    return pid > 0 ? sampleProcess(pid) : null
  } catch {
    return null
  }
}

function selfCpuMs(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

export function snapshot(t: Topology): Snapshot {
  return {
    atMs: performance.now(),
    relays: t.nodes.map((n) => trySample(n.pid())),
    redis: trySample(t.redis.pid()),
    generators: t.generators.pids().map(trySample),
    selfCpuMs: selfCpuMs(),
    machine: machineTicks(),
  }
}

/** Sum of the RSS of `samples` (a process that is gone counts 0). */
export function sumRss(samples: readonly (ProcSample | null)[]): number {
  return samples.reduce((s, x) => s + (x ?? EMPTY).rssBytes, 0)
}

export function cpuFigures(a: Snapshot, b: Snapshot, cores: number): CpuFigures {
  const wall = b.atMs - a.atMs
  const pct = (x: ProcSample | null | undefined, y: ProcSample | null | undefined) =>
    wall > 0 && x && y ? (100 * (y.cpuMs - x.cpuMs)) / wall : 0
  const relays = b.relays.map((s, i) => pct(a.relays[i], s))
  const gens = b.generators.map((s, i) => pct(a.generators[i], s))
  const redis = pct(a.redis, b.redis)
  const self = wall > 0 ? (100 * (b.selfCpuMs - a.selfCpuMs)) / wall : 0
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0)
  const ticks = b.machine.total - a.machine.total
  const machine = ticks > 0 ? ((b.machine.busy - a.machine.busy) / ticks) * cores * 100 : 0
  const bench = sum(relays) + sum(gens) + redis + self
  return {
    seconds: round(wall / 1000),
    relaysPercent: round(sum(relays)),
    relayNodeMaxPercent: round(Math.max(0, ...relays)),
    redisPercent: round(redis),
    generatorsPercent: round(sum(gens)),
    generatorMaxPercent: round(Math.max(0, ...gens)),
    orchestratorPercent: round(self),
    benchPercent: round(bench),
    machinePercent: round(machine),
    otherPercent: round(Math.max(0, machine - bench)),
    capacityPercent: cores * 100,
  }
}
