/** What Linux says about the whole machine: CPU ticks, memory, ephemeral ports. */
import { readFileSync } from 'node:fs'

/** /proc/stat's first line: busy and total jiffies of all cores. */
export function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? ''
  const v = line.trim().split(/\s+/).slice(1).map(Number)
  const total = v.slice(0, 8).reduce((s, x) => s + x, 0)
  const idle = (v[3] ?? 0) + (v[4] ?? 0)
  return { busy: total - idle, total }
}

export function memInfo(): { availableBytes: number; totalBytes: number } {
  const text = readFileSync('/proc/meminfo', 'utf8')
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0)
  return { availableBytes: kb('MemAvailable') * 1024, totalBytes: kb('MemTotal') * 1024 }
}

/** Ephemeral ports one source address has (ip_local_port_range). */
export function ephemeralPorts(): number {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number)
    return (hi ?? 0) - (lo ?? 0) + 1
  } catch {
    return 28_232
  }
}
