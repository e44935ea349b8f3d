/**
 * The relay never queues history for a reader that is not reading (issue 20, rule 3): presence
 * is state, not a log. A Sightline client (one that has sent a heartbeat) that goes silent is
 * held after ~48 KB or ~10 s: sent nothing but liveness, then ONE catch-up frame with the
 * latest state per client ID that changed meanwhile when it speaks again. A connection whose
 * send buffer is backed up is held the same way and never closed with 4508 for a flood it
 * cannot read. So a frozen tab (its scripts silent, its browser reading ~100 KB more, then
 * nothing) stays shown for as long as it is frozen, however busy its room.
 */
import { type AwarenessEntry, encodeAwarenessFrame, type PresenceState } from '@sightline/protocol'
import { describe, expect, it } from 'vitest'
import { join, presence, settle, startRelay, type TestClient, uniqueRoom } from './fixtures.js'
import { bytesOf, changeProbe, frozenReader, silentHeartbeat } from './helpers.js'

const WRITERS = 49
/**
 * Liveness a loaded test machine keeps up with (the fast test intervals drop a socket whose
 * pong is 600 ms late); a reader that stopped reading is still dropped within 5 s.
 */
const STEADY = { pingIntervalMs: 1000, livenessTimeoutMs: 5000 }
/** What a silent Sightline client may be sent before the relay holds it, with room to spare. */
const SILENT_BYTES_BOUND = 64 * 1024

/**
 * `WRITERS` agents in `room`, each with one client ID (100 + i). `step()` changes every one
 * of them (activity and away cycle, so states keep changing); `expected(i)` is what writer i
 * last sent, as the relay forwards it (canonical, `since` aside).
 */
async function busyRoom(relay: Parameters<typeof join>[0], room: string) {
  const writers: TestClient[] = []
  for (let i = 0; i < WRITERS; i++) writers.push(await join(relay, room, `agent${i}`))
  let k = 0
  const stateAt = (i: number, step: number): PresenceState =>
    presence(`agent${i}`, {
      activity: step % 4 >= 2 ? 'replying' : 'viewing',
      away: step % 2 === 1,
    })
  const step = () => {
    k++
    for (const [i, w] of writers.entries()) w.setState(100 + i, k, stateAt(i, k))
  }
  step()
  return { writers, step, steps: () => k }
}

/** `sightline_relay_held_connections` as the relay's /metrics says now. */
async function heldGauge(relay: { metricsUrl: string }): Promise<number> {
  const text = await (await fetch(`${relay.metricsUrl}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith('sightline_relay_held_connections '))
  return Number(line?.split(' ')[1])
}

describe('readers that are not reading', () => {
  it('a silent Sightline client is held, not flooded, and gets one catch-up frame with the latest states', async () => {
    const relay = await startRelay({ refreshIntervalMs: 29_000, ...STEADY })
    const room = uniqueRoom()
    const busy = await busyRoom(relay, room)
    // A plain reader (never heartbeats: a stock client) sees every change as it happens.
    const reference = await join(relay, room, 'rita')
    const silent = await join(relay, room, 'sam')
    silent.setState(90, 1, presence('sam'))
    await silentHeartbeat(silent)
    await expect.poll(() => silent.live().size).toBe(WRITERS)
    // From here on Sam's scripts send nothing; its socket keeps reading and answering pings.
    const silentFrom = silent.frames.length
    const startedAt = performance.now()
    while (performance.now() - startedAt < 15_000) {
      busy.step()
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    // The others got every change (~500 per second), Sam at most a hold's worth of them.
    await expect.poll(() => reference.live().get(100)?.away).toBe(busy.steps() % 2 === 1)
    expect(silent.closeCode).toBeUndefined()
    // Operators see it: one connection held (the reference reader keeps reading).
    expect(await heldGauge(relay)).toBe(1)
    const whileSilent = bytesOf(silent.frames, silentFrom)
    expect(whileSilent).toBeLessThan(SILENT_BYTES_BOUND)
    expect(bytesOf(reference.frames)).toBeGreaterThan(4 * SILENT_BYTES_BOUND)
    // Sam is still shown to everyone.
    expect(reference.live().get(90)?.user.id).toBe('sam')

    // Every writer's last change has reached the reference reader: the room is quiet.
    for (let i = 0; i < WRITERS; i++) {
      const latest = busy.steps()
      await expect
        .poll(() => reference.live().get(100 + i)?.activity)
        .toBe(latest % 4 >= 2 ? 'replying' : 'viewing')
    }
    const latest = new Map([...reference.states].map(([id, s]) => [id, s.json]))
    // Sam speaks again: one catch-up frame, one entry per changed client ID, latest values.
    const spokeFrom = silent.frames.length
    const stateFramesFrom = silent.stateFrames().length
    await silentHeartbeat(silent)
    await expect.poll(() => silent.stateFrames().length).toBeGreaterThan(stateFramesFrom)
    // Normal forwarding resumes: a change made now reaches Sam as it happens.
    busy.writers[0]!.setState(
      100,
      busy.steps() + 100,
      presence('agent0', { activity: 'viewing', away: false }),
    )
    busy.writers[0]!.setState(
      100,
      busy.steps() + 101,
      presence('agent0', { activity: 'viewing', away: true }),
    )
    await expect.poll(() => silent.live().get(100)?.away).toBe(true)
    const after: AwarenessEntry[][] = silent.stateFrames().slice(stateFramesFrom)
    const [catchUp, ...rest] = after as [AwarenessEntry[], ...AwarenessEntry[][]]
    const ids = catchUp.map((e) => e.clientId)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: WRITERS }, (_, i) => 100 + i))
    for (const e of catchUp) expect(e.json).toBe(latest.get(e.clientId))
    // Then only the new change (one or two frames), never the history.
    expect(rest.flat().every((e) => e.clientId === 100)).toBe(true)
    expect(bytesOf(silent.frames, spokeFrom)).toBeLessThan(SILENT_BYTES_BOUND)
    expect(silent.closeCode).toBeUndefined()
    expect(await heldGauge(relay)).toBe(0)
  }, 60_000)

  it('a frozen tab in a room of 49 agents changing four times a second stays shown, and is never made to stop reading', async () => {
    const relay = await startRelay(STEADY)
    const room = uniqueRoom()
    const busy = await busyRoom(relay, room)
    const watcher = await join(relay, room, 'wendy')
    const frozen = await frozenReader(relay, room, 'fred', 96 * 1024)
    frozen.client.setState(90, 1, presence('fred'))
    await expect.poll(() => watcher.live().get(90)?.user.id).toBe('fred')
    // Pings keep being answered until the frozen tab's window is full: then the relay's
    // liveness (5 s here) drops it, as it did a real frozen Chromium tab after 14 s.
    const startedAt = performance.now()
    while (performance.now() - startedAt < 15_000) {
      busy.step()
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    await settle(watcher)
    expect(frozen.stoppedReading()).toBe(false)
    expect(frozen.received()).toBeLessThan(SILENT_BYTES_BOUND)
    expect(frozen.client.closeCode).toBeUndefined()
    expect(watcher.live().get(90)?.user.id).toBe('fred')
  }, 60_000)

  it('a reader whose send buffer is backed up is held, never closed with 4508, and catches up with the latest state', async () => {
    const relay = await startRelay({
      pingIntervalMs: 1000,
      livenessTimeoutMs: 10_000,
      maxSendBufferBytes: 256 * 1024,
      maxFrameBytes: 128 * 1024,
      maxStateBytes: 64 * 1024,
      messagesPerSecond: 100_000,
      bytesPerSecond: 256 * 2 ** 20,
      messageBurst: 100_000,
      subjectBytesPerSecond: 256 * 2 ** 20,
      coalesceWindowMs: 0,
    })
    const room = uniqueRoom()
    const probe = await changeProbe(relay, room, 'alice', 'bob', 11)
    // The heaviest valid states there are (~1.6 KB: every claim at its length limit).
    const name = '名'.repeat(200)
    const avatar = `https://a.example/${'x'.repeat(494)}`
    const hana = await join(relay, room, 'hana', { name, avatar })
    const heavy = [false, true].map((away) =>
      encodeAwarenessFrame([
        {
          clientId: 12,
          clock: 1,
          json: JSON.stringify({
            ...presence('hana', { away }),
            user: { id: 'hana', name, avatar },
          }),
        },
      ]),
    )
    const slow = await join(relay, room, 'sloth')
    // A stock client (it never heartbeats): only its send buffer can tell it is not reading.
    await expect.poll(() => slow.frames.length).toBeGreaterThan(0)
    // Its link stalls: nothing read (the kernel buffers fill, then the relay's queue).
    slow.ws.pause()
    let pumped = 0
    let sent = 0
    const startedAt = performance.now()
    // Batches the others can take, within the liveness timeout, until far more than the
    // kernel buffers towards the stalled reader and the 256 KB send buffer bound hold.
    while (pumped < 16 * 2 ** 20 && performance.now() - startedAt < 7000) {
      for (let i = 0; i < 400; i++) {
        const frame = heavy[sent++ % 2]!
        hana.send(frame)
        pumped += frame.length
      }
      await settle(hana)
      const away = (sent - 1) % 2 === 1
      await expect.poll(() => probe.watcher.live().get(12)?.away, { interval: 5 }).toBe(away)
    }
    expect(pumped).toBeGreaterThan(12 * 2 ** 20)
    expect(slow.closeCode).toBeUndefined()
    // Hana's last change: one no state before it had (the relay stamps a fresh `since`).
    hana.setState(12, 2, {
      ...presence('hana', { activity: 'replying' }),
      user: { id: 'hana', name, avatar },
    })
    await expect.poll(() => probe.watcher.live().get(12)?.activity).toBe('replying')
    const latest = probe.watcher.states.get(12)?.json
    slow.ws.resume()
    // Once its buffer drained it has Hana's latest state (it never said a word: the relay saw
    // its buffer drain), or it was closed: it must not have been.
    await expect
      .poll(() => slow.closeCode ?? slow.states.get(12)?.json, { timeout: 10_000 })
      .toBe(latest)
    // Far less than what was pumped reached it: the relay queued no history for it.
    expect(bytesOf(slow.frames)).toBeLessThan(pumped / 2)
    // Forwarding goes on as usual.
    await probe.change()
    await expect
      .poll(() => slow.closeCode ?? slow.live().get(11)?.away)
      .toBe(probe.watcher.live().get(11)?.away)
  }, 60_000)
})
