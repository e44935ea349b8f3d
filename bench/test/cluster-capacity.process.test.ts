/**
 * Keeps `pnpm bench:capacity` working: the same code path at a tiny scale (a real
 * redis-server, 2 relay nodes, 2 generators, 40 then 80 tabs, seconds-long windows, the smoke
 * run's short liveness settings), checking that every figure is there and makes sense. No
 * timing is asserted: the machine running the tests is shared.
 */
import { describe, expect, it } from 'vitest'
import {
  type ClusterCapacityResult,
  type CpuFigures,
  DEFAULT_OPTIONS,
  formatClusterCapacity,
  runClusterCapacity,
  type Transport,
} from '../src/cluster-capacity.js'
import type { Routing } from '../src/generator-protocol.js'

/** The smoke run's liveness (config.ts), with a node timeout that fits inside it. */
const SHORT_LIVENESS = {
  SIGHTLINE_PING_INTERVAL_MS: '500',
  SIGHTLINE_LIVENESS_TIMEOUT_MS: '1500',
  SIGHTLINE_SWEEP_INTERVAL_MS: '250',
  SIGHTLINE_NODE_TIMEOUT_MS: '1000',
}

function expectCpu(c: CpuFigures): void {
  for (const v of [
    c.relaysPercent,
    c.relayNodeMaxPercent,
    c.redisPercent,
    c.generatorsPercent,
    c.generatorMaxPercent,
    c.benchPercent,
    c.machinePercent,
  ]) {
    expect(v).toBeGreaterThanOrEqual(0)
  }
  expect(c.relaysPercent).toBeGreaterThanOrEqual(c.relayNodeMaxPercent)
  expect(c.capacityPercent).toBeGreaterThan(0)
}

/** A run at tiny scale: 2 nodes, 2 generators, seconds-long windows. */
function tinyRun(
  steps: readonly number[],
  transport: Transport,
  routing: Routing = 'tab',
): Promise<ClusterCapacityResult> {
  const lines: string[] = []
  return runClusterCapacity({
    ...DEFAULT_OPTIONS,
    steps,
    nodes: 2,
    generators: 2,
    measureMs: 2000,
    idleMs: 1500,
    changeMs: 1000,
    settleTimeoutMs: 30_000,
    // No timing decides the outcome: a slow CI runner must not stop the run at step 40.
    p99LimitMs: 60_000,
    connectConcurrency: 16,
    transport,
    routing,
    relayEnv: SHORT_LIVENESS,
    out: null,
    log: (line) => lines.push(line),
  })
}

describe('bench:capacity at tiny scale', () => {
  it('spreads tabs over two nodes and reports sane per-step figures', async () => {
    const result = await tinyRun([40, 80], 'ws')
    const table = formatClusterCapacity(result)
    console.log(table)

    expect(result.stoppedBy, result.limitDetail).toBe('target')
    expect(result.nodes).toBe(2)
    expect(result.generators).toBe(2)
    expect(result.heartbeatMs).toBeGreaterThan(0)
    expect(result.steps.map((s) => s.target)).toEqual([40, 80])
    expect(result.steps.map((s) => s.tabs)).toEqual([40, 80])
    expect(result.reached).toBe(80)
    for (const s of result.steps) {
      expect(s.passed).toBe(true)
      expect(s.connect.settled).toBe(true)
      expect(s.connect.missing).toBe(0)
      expect(s.errors.connectFailures).toBe(0)
      expect(s.errors.unexpectedCloses).toBe(0)
      expect(s.errors.deadProcesses).toEqual([])
      expect(s.latency.samples).toBeGreaterThan(0)
      expect(s.latency.p50Ms).toBeGreaterThanOrEqual(0)
      expect(s.latency.p99Ms).toBeGreaterThanOrEqual(s.latency.p50Ms ?? Number.NaN)
      // Tabs land on both nodes whatever their room: some deliveries cross, some do not.
      expect(s.crossNodeShare).toBeGreaterThan(0)
      expect(s.crossNodeShare).toBeLessThan(1)
      expect(s.nodes.connections).toHaveLength(2)
      expect(s.nodes.connections.reduce((a, b) => a + b, 0)).toBe(s.tabs)
      for (const c of s.nodes.connections) expect(c).toBeGreaterThan(0)
      expect(s.memory.relayRssPerTabKB).toBeGreaterThan(0)
      expect(s.memory.redisRssMB).toBeGreaterThan(0)
      expectCpu(s.cpu)
      expectCpu(s.connect.cpu)
      expectCpu(s.idle.cpu)
      expect(s.idle.upBytesPerTabMin).toBeGreaterThan(0)
      expect(s.idle.downBytesPerTabMin).toBeGreaterThan(0)
      expect(s.bus.messagesOutPerSec).toBeGreaterThan(0)
      expect(s.generatorLoopLagMaxMs).toBeGreaterThanOrEqual(0)
    }
    expect(result.projection.fdLimit).toBeGreaterThan(0)
    expect(table).toContain('| 80 |')
    expect(table).toContain('Stopped by: target')
    expect(table).toContain('relays + Redis')
    expect(result.transport).toBe('ws')
  }, 180_000)

  it('runs the relay nodes on uWebSockets.js with --transport uws, routed by mailbox', async () => {
    // 40 tabs in rooms of 5: 8 rooms of mailbox 1, all on one node when routed by mailbox.
    const result = await tinyRun([40], 'uws', 'mailbox')
    const table = formatClusterCapacity(result)
    console.log(table)
    expect(result.stoppedBy, result.limitDetail).toBe('target')
    expect(result.transport).toBe('uws')
    expect(result.options.transport).toBe('uws')
    expect(table).toContain('relay nodes on uws')
    const [s] = result.steps
    expect(s?.passed).toBe(true)
    expect(s?.tabs).toBe(40)
    expect(s?.errors.unexpectedCloses).toBe(0)
    expect(s?.latency.samples).toBeGreaterThan(0)
    expect(s?.nodes.connections.reduce((a, b) => a + b, 0)).toBe(40)
    expect([...(s?.nodes.connections ?? [])].sort()).toEqual([0, 40])
    expect(s?.crossNodeShare).toBe(0)
    expect(result.routing).toBe('mailbox')
  }, 180_000)
})
