/**
 * CPU time and memory of a process, from Linux `/proc/<pid>/stat` and `/proc/<pid>/status`.
 * CPU is user + system time; a share of one core over a window is the difference of two
 * samples divided by the wall time between them.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

let clockTicks: number | null = null

/** Clock ticks per second of `/proc/<pid>/stat` times (usually 100). */
function ticksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100
    } catch {
      clockTicks = 100
    }
  }
  return clockTicks
}

export interface ProcSample {
  /** Wall clock, monotonic ms. */
  readonly atMs: number
  /** User + system CPU time, ms. */
  readonly cpuMs: number
  /** Resident set size, bytes. */
  readonly rssBytes: number
  /** Peak resident set size so far, bytes. */
  readonly peakRssBytes: number
}

export function sampleProcess(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0)
  return {
    atMs: performance.now(),
    cpuMs: ((utime + stime) * 1000) / ticksPerSecond(),
    rssBytes: kb('VmRSS') * 1024,
    peakRssBytes: kb('VmHWM') * 1024,
  }
}

/** CPU use between two samples, in percent of one core. */
export function cpuPercent(from: ProcSample, to: ProcSample): number {
  const wall = to.atMs - from.atMs
  return wall > 0 ? (100 * (to.cpuMs - from.cpuMs)) / wall : 0
}
