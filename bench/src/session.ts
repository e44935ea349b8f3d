/**
 * One server under test plus its load generators, for the length of one workload: start
 * the server, fork the generators, spread rooms over them (a generator owns whole rooms),
 * and sum what they measured.
 */
import { randomBytes } from 'node:crypto'
import { type MemoryAfterGc, memoryAfterGc } from './figures.js'
import { GeneratorPool } from './generator-pool.js'
import {
  type Behaviour,
  type GeneratorStats,
  isSightline,
  type ServerKind,
} from './generator-protocol.js'
import { type ProcSample, sampleProcess } from './proc-stats.js'
import { createServerProcess, type GcSample, type ServerProcess } from './servers.js'
import { sumStats, type Totals } from './totals.js'

export { sumStats, type Totals } from './totals.js'

/** Loopback source addresses the tabs spread over (each has its own ephemeral port range). */
export const SOURCE_ADDRESSES = sourceAddresses(8)

/** The first `count` of 127.0.0.2-127.0.0.254 (more tabs than 8 ranges of ports hold). */
export function sourceAddresses(count: number): readonly string[] {
  const n = Math.max(1, Math.min(253, Math.floor(count)))
  return Object.freeze(Array.from({ length: n }, (_, i) => `127.0.0.${i + 2}`))
}

export interface SessionOptions {
  readonly kind: ServerKind
  readonly generators: number
  readonly behaviour: Behaviour
  /** Extra relay environment (Sightline only), e.g. shorter liveness in smoke runs. */
  readonly relayEnv?: Readonly<Record<string, string>>
  readonly cpuProfDir?: string | undefined
  readonly tickMs?: number
}

/**
 * Relay settings for the bench. Each simulated agent has its own token and one connection,
 * so the per-subject cap (50) and the per-connection message rate (100/s) stay at their
 * defaults, which the workloads never approach. Raised, so that the workloads measure
 * forwarding and not refusals:
 * - total connections (default 20,000) and rooms (default 10,000): capacity goes to 50,000
 *   tabs in 10,000 rooms of 5, plus churners;
 * - the send buffer of a slow reader (default 1 MiB, then 4508): when a generator falls
 *   behind in the hot room, its backlog must queue in the relay as it does in the reference.
 */
export function relayEnvironment(secret: string): Record<string, string> {
  return {
    SIGHTLINE_JWT_SECRET: secret,
    SIGHTLINE_LOG_LEVEL: 'warn',
    SIGHTLINE_MAX_CONNECTIONS: '100000',
    SIGHTLINE_MAX_ROOMS: '100000',
    SIGHTLINE_MAX_SEND_BUFFER_BYTES: String(256 * 2 ** 20),
  }
}

export class Session {
  readonly kind: ServerKind
  readonly server: ServerProcess
  readonly pool: GeneratorPool
  /** Server memory and CPU before any tab connected. */
  readonly baseline: ProcSample
  /** Server memory after GC before any tab connected (gc-probe.cjs). */
  readonly baselineAfterGc: GcSample
  #rooms = 0

  private constructor(
    kind: ServerKind,
    server: ServerProcess,
    pool: GeneratorPool,
    base: ProcSample,
    baseAfterGc: GcSample,
  ) {
    this.kind = kind
    this.server = server
    this.pool = pool
    this.baseline = base
    this.baselineAfterGc = baseAfterGc
  }

  static async open(o: SessionOptions): Promise<Session> {
    const secret = randomBytes(32).toString('hex')
    const server = await createServerProcess({
      kind: o.kind,
      env: isSightline(o.kind) ? { ...relayEnvironment(secret), ...o.relayEnv } : {},
      cpuProfDir: o.cpuProfDir,
    })
    const pool = GeneratorPool.start(o.generators)
    try {
      await pool.all({
        type: 'init',
        serverKind: o.kind,
        url: server.url,
        jwtSecret: isSightline(o.kind) ? secret : null,
        behaviour: o.behaviour,
        localAddresses: SOURCE_ADDRESSES,
        tickMs: o.tickMs ?? 10,
      })
    } catch (error) {
      await pool.close()
      await server.stop()
      throw error
    }
    await delay(300)
    const baseline = sampleProcess(server.pid())
    let baselineAfterGc: GcSample
    try {
      baselineAfterGc = await server.memoryAfterGc()
    } catch (error) {
      await pool.close()
      await server.stop()
      throw error
    }
    return new Session(o.kind, server, pool, baseline, baselineAfterGc)
  }

  /** Rooms opened so far (global room indices 0..rooms-1). */
  get rooms(): number {
    return this.#rooms
  }

  /** Opens `count` more rooms of `roomSize` tabs, spread evenly over the generators. */
  async addRooms(count: number, roomSize: number, connectConcurrency = 64) {
    const first = this.#rooms
    this.#rooms += count
    const per = Math.ceil(count / this.pool.size)
    const results = await Promise.all(
      Array.from({ length: this.pool.size }, (_, i) => {
        const start = first + i * per
        const n = Math.max(0, Math.min(per, first + count - start))
        return n === 0
          ? Promise.resolve({ opened: 0, failed: 0 })
          : this.pool.send<{ opened: number; failed: number }>(i, {
              type: 'addRooms',
              firstRoom: start,
              count: n,
              roomSize,
              connectConcurrency,
            })
      }),
    )
    return {
      opened: results.reduce((s, r) => s + r.opened, 0),
      failed: results.reduce((s, r) => s + r.failed, 0),
    }
  }

  /** Waits until every tab sees all its room-mates; resolves with whether all did. */
  async settle(timeoutMs: number): Promise<{ ok: boolean; missing: number }> {
    const r = await this.pool.all<{ ok: boolean; missing: number }>({ type: 'settle', timeoutMs })
    return { ok: r.every((x) => x.ok), missing: r.reduce((s, x) => s + x.missing, 0) }
  }

  async mark(): Promise<void> {
    await this.pool.all({ type: 'mark' })
  }

  async changes(on: boolean): Promise<void> {
    await this.pool.all({ type: 'changes', on })
  }

  async collect(): Promise<Totals> {
    return sumStats(await this.pool.all<GeneratorStats>({ type: 'collect' }))
  }

  /**
   * Sightline only: connections the relay refused or closed since it started, by reason
   * (its `/metrics`), so a run that lost tabs says why. Null for the reference.
   */
  async relayRefusals(): Promise<Record<string, number> | null> {
    if (!isSightline(this.kind)) return null
    const text = await (await fetch(`http://127.0.0.1:${this.server.port}/metrics`)).text()
    const out: Record<string, number> = {}
    for (const m of text.matchAll(/^sightline_relay_refusals_total\{reason="([^"]+)"\} (\d+)$/gm)) {
      if (Number(m[2]) > 0) out[m[1]!] = Number(m[2])
    }
    return out
  }

  /** Server memory after GC now, per connection against the after-GC baseline. */
  async memoryAfterGc(connections: number): Promise<MemoryAfterGc> {
    return memoryAfterGc(this.baselineAfterGc, await this.server.memoryAfterGc(), connections)
  }

  sample(): ProcSample {
    return sampleProcess(this.server.pid())
  }

  /** CPU of all generators together: a sample whose cpuMs is their sum. */
  sampleGenerators(): ProcSample {
    const all = this.pool.pids().map(sampleProcess)
    return {
      atMs: performance.now(),
      cpuMs: all.reduce((s, p) => s + p.cpuMs, 0),
      rssBytes: all.reduce((s, p) => s + p.rssBytes, 0),
      peakRssBytes: all.reduce((s, p) => s + p.peakRssBytes, 0),
    }
  }

  /** Server and generator samples taken together (start and end of a window). */
  samples(): { server: ProcSample; generators: ProcSample } {
    return { server: this.sample(), generators: this.sampleGenerators() }
  }

  async close(): Promise<void> {
    await this.pool.close()
    await this.server.stop()
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
