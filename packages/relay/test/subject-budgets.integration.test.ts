/**
 * One agent's share of a room is bounded (issue 20, rules 2 and 4), over real sockets:
 * - a state size limit that fits presence: a state at every claim length limit passes with
 *   the defaults, anything much larger is refused (4413);
 * - the awareness bytes one token subject may write into a room per second are shared by all
 *   its connections there (`subjectBytesPerSecond`): fifty sockets get no more than one, the
 *   one that overdraws is closed with 4429, and the fan-out it causes is bounded;
 * - answers (query-awareness) are budgeted by bytes per subject and room: fifty sockets asking
 *   twice a second about a room of 200 large states cost the relay no more than that budget.
 * Throughout, a bystander pair in another room keeps getting fresh changes (p90 < 50 ms) and a
 * frozen tab in the attacked room is never closed.
 */
import { CloseCode, encodeAwarenessFrame, type PresenceState } from '@sightline/protocol'
import { describe, expect, it } from 'vitest'
import {
  join,
  presence,
  settle,
  startRelay,
  type TestClient,
  type TokenInput,
  uniqueRoom,
} from './fixtures.js'
import {
  bytesOf,
  changeProbe,
  closeCodeWithin,
  frozenReader,
  quantile,
  sampleLatencies,
} from './helpers.js'

/** The subject budget's defaults (SIGHTLINE_SUBJECT_BYTES_PER_SECOND and its burst). */
const SUBJECT_BYTES_PER_SECOND = 4096
const SUBJECT_BURST_BYTES = 4 * SUBJECT_BYTES_PER_SECOND
/** Answer bytes a subject's questions may cost per second, and at once (8x the state rate). */
const ANSWER_BYTES_PER_SECOND = 8 * SUBJECT_BYTES_PER_SECOND
const ANSWER_BURST_BYTES = 4 * ANSWER_BYTES_PER_SECOND

/**
 * A heavy but valid identity: a long display name and avatar URL (within the claim limits),
 * so each of its states weighs about 800 bytes once the relay re-encodes it.
 */
function heavy(sub: string): Partial<TokenInput> & { name: string; avatar: string } {
  return {
    name: `${sub} ${'n'.repeat(180)}`,
    avatar: `https://avatars.example.com/${sub}/${'a'.repeat(460)}.png`,
  }
}

function heavyState(sub: string, patch: Partial<PresenceState> = {}): PresenceState {
  const { name, avatar } = heavy(sub)
  return { ...presence(sub), user: { id: sub, name, avatar }, ...patch }
}

/** Bytes of the non-null states of `sub` that `client` received (what `sub` fanned out to it). */
function stateBytesOf(client: TestClient, sub: string): number {
  let n = 0
  for (const entry of client.awareness.flat()) {
    if (entry.json !== 'null' && entry.json.includes(`"id":"${sub}"`)) n += entry.json.length
  }
  return n
}

/** Liveness a loaded test machine keeps up with (a pong 600 ms late drops a socket). */
const STEADY = { pingIntervalMs: 1000, livenessTimeoutMs: 5000 }

/** `settle` with room for a loaded machine: a heartbeat round trip within `timeout` ms. */
async function roundTrip(client: TestClient, timeout = 10_000): Promise<void> {
  const n = client.heartbeats()
  client.heartbeat()
  await expect.poll(() => client.heartbeats(), { timeout }).toBe(n + 1)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('state size', () => {
  it('a state at every claim length limit fits the default limit; a much larger one: 4413', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const probe = await changeProbe(relay, room, 'alice', 'bob', 11)
    // 3 UTF-8 bytes per UTF-16 unit is the worst case; 128 / 200 / 512 are the claim limits.
    const sub = '中'.repeat(128)
    const name = '名'.repeat(200)
    const avatar = `https://a.example/${'x'.repeat(512 - 18)}`
    const largest = await join(relay, room, sub, { name, avatar })
    const state = {
      user: { id: sub, name, avatar },
      activity: 'replying',
      away: true,
      since: Date.now(),
    }
    expect(Buffer.byteLength(JSON.stringify(state))).toBeGreaterThan(1500)
    largest.setState(21, 1, state)
    await expect.poll(() => probe.watcher.live().get(21)?.user.name).toBe(name)
    await settle(largest)
    expect(largest.closeCode).toBeUndefined()
    // Nothing a presence state needs weighs this much: refused, never forwarded.
    const mallory = await join(relay, room, 'mallory')
    mallory.setState(22, 1, { ...presence('mallory'), padding: 'x'.repeat(2100) })
    expect(await closeCodeWithin(mallory)).toBe(CloseCode.TooLarge)
    await probe.change()
    expect(probe.watcher.states.has(22)).toBe(false)
  })
})

describe('per-subject state budget', () => {
  it("one token's sockets share one budget: each far within its own, together over it: 4429", async () => {
    const relay = await startRelay({ refreshIntervalMs: 29_000 })
    const room = uniqueRoom()
    const probe = await changeProbe(relay, room, 'alice', 'bob', 11)
    const bob = probe.watcher
    const olga = await join(relay, room, 'olga', heavy('olga'))
    const sockets = await Promise.all(
      Array.from({ length: 20 }, () => join(relay, room, 'mallory', heavy('mallory'))),
    )
    // Each socket changes its state once a second (about 0.8 KB/s, a sixteenth of the
    // per-connection budget); twenty of them write about 16 KB/s. Olga writes as one of them.
    const startedAt = performance.now()
    let tick = 0
    while (performance.now() - startedAt < 6000) {
      const i = tick++ % sockets.length
      const away = tick % 2 === 0
      sockets[i]!.setState(500 + i, tick, heavyState('mallory', { away }))
      if (tick % sockets.length === 0) olga.setState(600, tick, heavyState('olga', { away }))
      await sleep(50)
    }
    const elapsed = (performance.now() - startedAt) / 1000
    await probe.change()
    const codes = sockets.map((s) => s.closeCode).filter((c) => c !== undefined)
    expect(codes.length).toBeGreaterThan(0)
    expect(new Set(codes)).toEqual(new Set([CloseCode.RateLimited]))
    // Another agent writing at the same pace per socket is untouched.
    expect(olga.closeCode).toBeUndefined()
    expect(bob.live().get(600)?.user.id).toBe('olga')
    // What reached a peer of the room is bounded by the subject's budget, not by 20 sockets'.
    const allowed = SUBJECT_BURST_BYTES + SUBJECT_BYTES_PER_SECOND * elapsed + 2 * 1024
    expect(stateBytesOf(bob, 'mallory')).toBeLessThan(allowed)
  })

  it('one token, 50 sockets flooding at their per-connection budgets: 4429, bystanders fresh (p90 < 50 ms), a frozen tab kept', async () => {
    const relay = await startRelay({ refreshIntervalMs: 29_000, ...STEADY })
    const room = uniqueRoom()
    const bystanders = await changeProbe(relay, uniqueRoom(), 'carol', 'dave', 31)
    const watcher = await join(relay, room, 'bob')
    const frozen = await frozenReader(relay, room, 'fred', 96 * 1024)
    frozen.client.setState(41, 1, presence('fred'))
    await expect.poll(() => watcher.live().get(41)?.user.id).toBe('fred')
    const sockets = await Promise.all(
      Array.from({ length: 50 }, () => join(relay, room, 'mallory', heavy('mallory'))),
    )
    // Two frames per socket, alternating: every write is a change (about 800 bytes).
    const frames = sockets.map((_, i) =>
      [false, true].map((away) =>
        encodeAwarenessFrame([
          { clientId: 500 + i, clock: 1, json: JSON.stringify(heavyState('mallory', { away })) },
        ]),
      ),
    )
    const latencies = sampleLatencies(bystanders, 100)
    const startedAt = performance.now()
    let round = 0
    // 50 messages/s and ~40 KB/s per socket: within the per-connection rate and byte budgets.
    const timer = setInterval(() => {
      round++
      sockets.forEach((s, i) => {
        if (s.ws.readyState === s.ws.OPEN) s.send(frames[i]![round % 2]!)
      })
    }, 20)
    try {
      await expect
        .poll(() => performance.now() - startedAt, { timeout: 15_000, interval: 200 })
        .toBeGreaterThan(10_000)
    } finally {
      clearInterval(timer)
    }
    const samples = await latencies.stop()
    const elapsed = (performance.now() - startedAt) / 1000
    await settle(watcher)
    expect(samples.length).toBeGreaterThan(20)
    const p90 = quantile(samples, 0.9)
    expect(p90, `p90 of ${samples.length} changes, max ${Math.max(...samples)} ms`).toBeLessThan(50)
    const codes = sockets.map((s) => s.closeCode).filter((c) => c !== undefined)
    expect(codes.length).toBeGreaterThan(0)
    expect(new Set(codes)).toEqual(new Set([CloseCode.RateLimited]))
    // The fan-out one agent caused to each peer: its budget's worth, not 50 sockets' worth.
    const allowed = SUBJECT_BURST_BYTES + SUBJECT_BYTES_PER_SECOND * elapsed + 2 * 1024
    expect(stateBytesOf(watcher, 'mallory')).toBeLessThan(allowed)
    // The frozen tab: never closed, never made to stop reading, still shown.
    expect(frozen.stoppedReading()).toBe(false)
    expect(frozen.client.closeCode).toBeUndefined()
    expect(watcher.live().get(41)?.user.id).toBe('fred')
    expect(watcher.closeCode).toBeUndefined()
  }, 60_000)
})

describe('answers budgeted by bytes', () => {
  it('query-awareness from 50 sockets of one token about 200 large states: answer bytes bounded, bystanders fresh', async () => {
    const relay = await startRelay({ refreshIntervalMs: 29_000, ...STEADY })
    const room = uniqueRoom()
    // 200 states of ~800 bytes: 50 agents with 4 tabs' client IDs each.
    const holders = await Promise.all(
      Array.from({ length: 50 }, (_, h) => join(relay, room, `holder${h}`, heavy(`holder${h}`))),
    )
    for (const [h, holder] of holders.entries()) {
      holder.sendStates(
        [0, 1, 2, 3].map((k) => ({
          clientId: 1000 + 4 * h + k,
          clock: 1,
          state: heavyState(`holder${h}`, { away: k % 2 === 1 }),
        })),
      )
    }
    await expect.poll(() => holders[0]!.live().size, { timeout: 20_000 }).toBe(196)
    const snapshotBytes = 200 * JSON.stringify(heavyState('holder10')).length
    const attackers: TestClient[] = []
    for (let i = 0; i < 50; i++) attackers.push(await join(relay, room, 'mallory'))
    // Whatever the joins brought has arrived: every attacker answered a heartbeat.
    await Promise.all(attackers.map((a) => roundTrip(a)))
    const bystanders = await changeProbe(relay, uniqueRoom(), 'carol', 'dave', 31)
    const from = attackers.map((a) => a.frames.length)
    const latencies = sampleLatencies(bystanders, 100)
    const startedAt = performance.now()
    let round = 0
    // Each socket asks twice a second (1 byte each: 100 bytes/s for the whole token).
    const timer = setInterval(() => {
      round++
      attackers.forEach((a, i) => {
        if (i % 5 === round % 5 && a.ws.readyState === a.ws.OPEN) a.send(Uint8Array.of(3))
      })
    }, 100)
    try {
      await expect
        .poll(() => performance.now() - startedAt, { timeout: 12_000, interval: 200 })
        .toBeGreaterThan(8000)
    } finally {
      clearInterval(timer)
    }
    const samples = await latencies.stop()
    const elapsed = (performance.now() - startedAt) / 1000
    await Promise.all(attackers.map((a) => roundTrip(a)))
    const answered = attackers.reduce((n, a, i) => n + bytesOf(a.frames, from[i]), 0)
    // Unbudgeted, 100 questions/s cost 100 snapshots (~16 MB) per second.
    expect(answered).toBeLessThan(
      ANSWER_BURST_BYTES + ANSWER_BYTES_PER_SECOND * elapsed + snapshotBytes,
    )
    const p90 = quantile(samples, 0.9)
    expect(p90, `p90 of ${samples.length} changes, max ${Math.max(...samples)} ms`).toBeLessThan(50)
    for (const holder of holders) expect(holder.closeCode).toBeUndefined()
  }, 60_000)
})
