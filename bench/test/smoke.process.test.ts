/**
 * Keeps the bench from rotting: a seconds-long run of every workload against all four servers
 * (Sightline on `ws` and on uWebSockets.js, the reference, Hocuspocus),
 * checking that each figure is there and makes sense. No timing is asserted: the machine
 * running the tests is shared and its speed is nobody's promise.
 */
import { describe, expect, it } from 'vitest'
import { type BenchResult, runBench } from '../src/bench.js'
import type { MemoryAfterGc } from '../src/figures.js'
import { SERVER_KINDS, type ServerKind } from '../src/generator-protocol.js'
import type { LatencySummary } from '../src/histogram.js'
import type { CapacityResult } from '../src/workloads/capacity.js'
import type { ChurnFigures } from '../src/workloads/churn.js'
import type { HotRoomResult } from '../src/workloads/hot-room.js'
import type { RestartStormResult } from '../src/workloads/restart-storm.js'
import type { SteadyResult } from '../src/workloads/steady.js'

const SERVERS: readonly ServerKind[] = SERVER_KINDS

function expectLatency(l: LatencySummary): void {
  expect(l.samples).toBeGreaterThan(0)
  expect(l.p50Ms).toBeGreaterThanOrEqual(0)
  expect(l.p99Ms).toBeGreaterThanOrEqual(l.p50Ms ?? Number.NaN)
  expect(l.maxMs).toBeGreaterThanOrEqual(l.p99Ms ?? Number.NaN)
}

/**
 * The after-GC probe answered (gc-probe.cjs) and its figures are numbers. With a few dozen
 * connections the RSS difference is within what the kernel and V8 return or keep between two
 * probes, so only its presence is checked; the heap of 40 connections is clearly above zero.
 */
function expectMemoryAfterGc(m: MemoryAfterGc, connections: number): void {
  expect(m.connections).toBe(connections)
  expect(m.rssMB).toBeGreaterThan(0)
  expect(m.heapUsedMB).toBeGreaterThan(0)
  expect(m.baselineRssMB).toBeGreaterThan(0)
  expect(m.baselineHeapUsedPlusExternalMB).toBeGreaterThan(0)
  expect(Number.isFinite(m.rssPerConnectionKB)).toBe(true)
  expect(m.heapPerConnectionKB).toBeGreaterThan(0)
}

describe('bench --smoke', () => {
  it('runs every workload against all four servers and reports sane figures', async () => {
    let printed = ''
    const result: BenchResult = await runBench({
      workloads: ['steady', 'hot-room', 'churn', 'restart-storm', 'capacity'],
      servers: SERVERS,
      smoke: true,
      scale: 1,
      log: () => {},
      print: (text) => {
        printed += text
      },
    })
    const { config } = result
    const of = <T>(workload: keyof BenchResult['workloads'], kind: ServerKind) =>
      result.workloads[workload]?.[kind] as T

    for (const kind of SERVERS) {
      const steady = of<SteadyResult>('steady', kind)
      expect(steady.connect).toEqual({ opened: config.steady.tabs, failed: 0, settled: true })
      expect(steady.window.tabs).toBe(config.steady.tabs)
      expect(steady.window.deliveredPerSec).toBeGreaterThan(0)
      expectLatency(steady.window.latency)
      expect(steady.window.server.rssMB).toBeGreaterThan(0)
      expect(steady.window.server.cpuPercent).toBeGreaterThanOrEqual(0)
      expect(steady.window.server.rssPerConnectionKB).not.toBeNull()
      expectMemoryAfterGc(steady.memoryAfterGc, config.steady.tabs)
      expect(steady.window.amplification.upstreamFramesPerChange).toBe(1)
      expect(steady.window.amplification.deliveriesPerChange).toBe(config.steady.roomSize - 1)
      expect(steady.window.errors).toEqual({
        connectFailures: 0,
        unexpectedCloses: 0,
        closeCodes: {},
      })
      expect(steady.idle.tabs).toBe(config.steady.tabs)
      expect(steady.ghostAfterClose.dropped).toBeGreaterThan(0)
      expect(steady.ghostAfterClose.seen).toBe(steady.ghostAfterClose.expected)
      expectLatency(steady.ghostAfterClose.latency)

      const hot = of<HotRoomResult>('hot-room', kind)
      expect(hot.window.tabs).toBe(config.hotRoom.tabs)
      expect(hot.window.amplification.deliveriesPerChange).toBe(config.hotRoom.roomSize - 1)
      expectLatency(hot.window.latency)

      const churn = of<ChurnFigures>('churn', kind)
      expect(churn.joinsPerSec).toBeGreaterThan(0)
      expect(churn.leavesPerSec).toBeGreaterThan(0)
      expect(churn.failedJoins).toBe(0)
      expectLatency(churn.joinLatency)
      expectLatency(churn.leaveLatency)

      const restart = of<RestartStormResult>('restart-storm', kind)
      expect(restart.settledBefore).toBe(true)
      expect(restart.restored).toBe(true)
      expect(restart.restoredAfterListenMs).toBeGreaterThanOrEqual(0)
      expect(restart.restoredAfterKillMs).toBeGreaterThanOrEqual(restart.restoredAfterListenMs!)

      const capacity = of<CapacityResult>('capacity', kind)
      expect(capacity.steps.length).toBeGreaterThan(0)
      expect(capacity.maxTabsUnderLimit).toBeGreaterThan(0)
      expectLatency(capacity.steps[0]!.latency)
      for (const step of capacity.steps) expectMemoryAfterGc(step.memoryAfterGc, step.tabs)
    }

    // Sightline, on either socket layer: one upstream frame per change, N-1 deliveries,
    // nothing echoed; a heartbeat each way while idle; a silently lost tab is removed within
    // the (short) liveness timeout.
    expect(SERVERS).toContain('sightline-uws')
    for (const kind of ['sightline', 'sightline-uws'] as const) {
      const s = of<SteadyResult>('steady', kind)
      expect(s.window.amplification.upstreamFramesPerChange).toBe(1)
      expect(s.window.amplification.deliveriesPerChange).toBe(config.steady.roomSize - 1)
      expect(s.window.amplification.echoesPerChange).toBe(0)
      const hot = of<HotRoomResult>('hot-room', kind).window.amplification
      expect(hot.deliveriesPerChange).toBe(config.hotRoom.roomSize - 1)
      expect(hot.echoesPerChange).toBe(0)
      expect(s.idle.livenessFramesPerMinUp).toBeGreaterThan(0)
      expect(s.idle.livenessFramesPerMinDown).toBeGreaterThan(0)
      expect(s.ghostAfterSilentLoss.seen).toBe(s.ghostAfterSilentLoss.expected)
      // Its /metrics was read for refusals, as only Sightline's is (null for the others).
      expect(s.lost?.relayRefusals).not.toBeNull()
    }
    // The reference echoes every change to its sender (ANCHORS.md).
    const r = of<SteadyResult>('steady', 'reference')
    expect(r.window.amplification.echoesPerChange).toBe(1)
    // Hocuspocus too sends every awareness change to the whole document, its sender included
    // (a renewal echoed in the window may add to it).
    const h = of<SteadyResult>('steady', 'hocuspocus')
    expect(h.window.amplification.echoesPerChange).toBeGreaterThanOrEqual(1)
    expect(result.notComparable?.hocuspocus).toBeDefined()

    expect(printed).toContain('## steady')
    expect(printed).toContain('delivered updates/s')
    expect(printed).toContain('S/hocuspocus')
    expect(printed).toContain('sightline-uws')
    expect(printed).toContain('uws/reference')
    expect(result.notComparable?.['sightline-uws']).toBeDefined()
    expect(printed).toContain('RSS/conn after GC KB')
  }, 480_000)
})
