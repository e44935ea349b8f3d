/**
 * Workload sizes and durations: the full run (docs/performance.md), the seconds-long smoke run, and a
 * `--scale` factor that shrinks tab counts for development on a shared machine.
 */
export const WORKLOADS = Object.freeze([
  'steady',
  'hot-room',
  'churn',
  'restart-storm',
  'capacity',
] as const)
export type WorkloadName = (typeof WORKLOADS)[number]

export interface BenchConfig {
  readonly smoke: boolean
  readonly steady: {
    readonly tabs: number
    readonly roomSize: number
    readonly changeMs: number
    readonly idleWindowMs: number
    readonly windowMs: number
    readonly ghosts: number
    readonly ghostCloseCapMs: number
    readonly ghostSilentCapMs: number
  }
  readonly hotRoom: {
    readonly tabs: number
    readonly roomSize: number
    readonly changeMs: number
    readonly windowMs: number
  }
  readonly churn: {
    readonly baseTabs: number
    readonly roomSize: number
    readonly ratePerSec: number
    readonly lifetimeMs: number
    readonly durationMs: number
  }
  readonly restartStorm: {
    readonly tabs: number
    /** Kill and restart this many times (figures are medians over them). */
    readonly cycles: number
    readonly roomSize: number
    readonly timeoutMs: number
  }
  readonly capacity: {
    readonly step: number
    readonly max: number
    readonly roomSize: number
    readonly changeMs: number
    readonly windowMs: number
    readonly p99LimitMs: number
  }
  /** Relay environment for every Sightline session (smoke: short liveness, see smokeConfig). */
  readonly relayEnv: Readonly<Record<string, string>>
  /** Tabs per generator process, at most. */
  readonly tabsPerGenerator: number
  /** How long a phase may wait for all tabs to see all their room-mates. */
  readonly settleTimeoutMs: number
}

export function fullConfig(scale = 1): BenchConfig {
  const n = (count: number, min: number) => Math.max(min, Math.round(count * scale))
  return {
    smoke: false,
    steady: {
      tabs: n(10_000, 10),
      roomSize: 5,
      changeMs: 10_000,
      idleWindowMs: 60_000,
      windowMs: 30_000,
      ghosts: 20,
      ghostCloseCapMs: 10_000,
      ghostSilentCapMs: 75_000,
    },
    hotRoom: { tabs: n(1000, 100), roomSize: 50, changeMs: 500, windowMs: 20_000 },
    churn: {
      baseTabs: n(1000, 50),
      roomSize: 5,
      ratePerSec: n(500, 10),
      lifetimeMs: 2000,
      durationMs: 20_000,
    },
    restartStorm: { tabs: n(5000, 50), cycles: 3, roomSize: 5, timeoutMs: 60_000 },
    capacity: {
      step: n(5000, 100),
      max: n(50_000, 200),
      roomSize: 5,
      changeMs: 10_000,
      windowMs: 10_000,
      p99LimitMs: 100,
    },
    relayEnv: {},
    tabsPerGenerator: 10_000,
    settleTimeoutMs: 60_000,
  }
}

/**
 * A run of a few seconds per workload that exercises every code path. The relay gets short
 * liveness intervals so that a silent loss is detected within the smoke run.
 */
export function smokeConfig(): BenchConfig {
  return {
    smoke: true,
    steady: {
      tabs: 40,
      roomSize: 5,
      changeMs: 1000,
      idleWindowMs: 1500,
      windowMs: 2000,
      ghosts: 2,
      ghostCloseCapMs: 3000,
      ghostSilentCapMs: 3000,
    },
    hotRoom: { tabs: 40, roomSize: 10, changeMs: 500, windowMs: 2000 },
    churn: { baseTabs: 20, roomSize: 5, ratePerSec: 20, lifetimeMs: 300, durationMs: 1500 },
    restartStorm: { tabs: 20, cycles: 1, roomSize: 5, timeoutMs: 15_000 },
    capacity: {
      step: 50,
      max: 100,
      roomSize: 5,
      changeMs: 1000,
      windowMs: 1500,
      p99LimitMs: 100,
    },
    relayEnv: {
      SIGHTLINE_PING_INTERVAL_MS: '500',
      SIGHTLINE_LIVENESS_TIMEOUT_MS: '1500',
      SIGHTLINE_SWEEP_INTERVAL_MS: '250',
    },
    tabsPerGenerator: 10_000,
    settleTimeoutMs: 15_000,
  }
}
