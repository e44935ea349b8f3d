/**
 * The removal grace (`removalGraceMs`): a connection that closes "going away" (1001) with live
 * states keeps them for the grace, so the same tab reconnecting at once (Chromium closes a
 * resumed frozen tab's socket with 1001) takes them over and bystanders never see it leave.
 * Every other end removes at once: explicit nulls, liveness drops, a socket reset without a
 * close frame (a crashed tab or process, 1006) and any other close code. Real sockets to a real relay; times are measured on
 * the same monotonic clock the in-process relay uses.
 */
import type { Socket } from 'node:net'
import {
  conversationRoom,
  type MailboxSummary,
  mailboxRoom,
  readMailboxSummary,
} from '@sightline/protocol'
import { describe, expect, it } from 'vitest'
import { parseCommandLine } from '../src/config/cli-args.js'
import { removalGraceOf } from '../src/config/options.js'
import {
  createRelay,
  DEFAULT_OPTIONS,
  isRelayError,
  parseRelayEnv,
  type RelayOptions,
} from '../src/index.js'
import {
  join,
  presence,
  settle,
  startRelay,
  TEST_SECRET,
  type TestClient,
  uniqueRoom,
} from './fixtures.js'

const GRACE = 600
const SWEEP = 50
/** Short intervals, with a grace long enough to tell "at once" from "after the grace". */
const OPTIONS: Partial<RelayOptions> = {
  pingIntervalMs: 200,
  livenessTimeoutMs: 1000,
  sweepIntervalMs: SWEEP,
  removalGraceMs: GRACE,
}
/** Delivery slack on a loaded two-core machine. */
const SLACK = 250

/** Every entry for `clientId` that `client` received, in order ("null" = a removal). */
const entriesFor = (client: TestClient, clientId: number) =>
  client
    .stateFrames()
    .flat()
    .filter((e) => e.clientId === clientId)

const removalsOf = (client: TestClient, clientId: number) =>
  entriesFor(client, clientId).filter((e) => e.json === 'null').length

/** Ms from `since` until `watcher` no longer holds a live state for `clientId`. */
async function msUntilGone(watcher: TestClient, clientId: number, since: number) {
  await expect.poll(() => watcher.live().has(clientId), { timeout: 5000, interval: 5 }).toBe(false)
  return performance.now() - since
}

/** Closes "going away" without nulling its states, as Chromium does for a resumed frozen tab. */
function goAway(client: TestClient): number {
  const at = performance.now()
  client.ws.close(1001)
  return at
}

/** Closes the TCP socket without a close frame (a killed process, a network error). */
function dropAbruptly(client: TestClient): number {
  const at = performance.now()
  client.ws.terminate()
  return at
}

/** Stops reading the socket: pings go unanswered, as on a dead network path. */
function blackHole(client: TestClient): void {
  ;(client.ws as unknown as { _socket: Socket })._socket.pause()
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('removal grace', () => {
  it('keeps the states of a connection closed going away (1001) for the grace, then removes them', async () => {
    const relay = await startRelay(OPTIONS)
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    alice.setState(11, 1, presence('alice'))
    await expect.poll(() => bob.live().has(11)).toBe(true)

    const closedAt = goAway(alice)
    // The relay saw the close at once; only the removal waits.
    await expect.poll(() => relay.stats().connections, { interval: 5 }).toBe(1)
    expect(bob.live().has(11)).toBe(true)
    const elapsed = await msUntilGone(bob, 11, closedAt)
    expect(elapsed).toBeGreaterThanOrEqual(GRACE)
    expect(elapsed).toBeLessThan(GRACE + SWEEP + SLACK)
    expect(removalsOf(bob, 11)).toBe(1)
  })

  it.each([
    ['a socket reset without a close frame (1006: a crashed tab)', dropAbruptly],
    [
      'a normal close without nulls (a stock provider destroyed)',
      (c: TestClient) => {
        const at = performance.now()
        c.ws.close(1000)
        return at
      },
    ],
  ])('removes at once after %s: it cannot be a frozen tab resuming', async (_, end) => {
    const relay = await startRelay(OPTIONS)
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    alice.setState(11, 1, presence('alice'))
    await expect.poll(() => bob.live().has(11)).toBe(true)
    const closedAt = end(alice)
    expect(await msUntilGone(bob, 11, closedAt)).toBeLessThan(GRACE / 2)
    expect(removalsOf(bob, 11)).toBe(1)
  })

  it('removes states nulled before the close at once, and only once', async () => {
    const relay = await startRelay(OPTIONS)
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    const carol = await join(relay, room, 'carol')
    alice.setState(11, 1, presence('alice'))
    await expect.poll(() => bob.live().has(11)).toBe(true)

    // What the presence client does on destroy() and pagehide: a null, then the close.
    const leftAt = performance.now()
    alice.setState(11, 2, null)
    alice.ws.terminate()
    expect(await msUntilGone(bob, 11, leftAt)).toBeLessThan(GRACE / 2)
    // Past the grace and a few sweeps, a later change of Carol's reaches Bob: nothing more
    // about Alice came before it.
    await delay(GRACE + 3 * SWEEP)
    carol.setState(31, 1, presence('carol'))
    await expect.poll(() => bob.live().has(31)).toBe(true)
    expect(removalsOf(bob, 11)).toBe(1)
  })

  it('lets the same tab reconnecting within the grace take its state over: no removal ever', async () => {
    const relay = await startRelay(OPTIONS)
    const room = uniqueRoom()
    const old = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    const carol = await join(relay, room, 'carol')
    old.setState(11, 7, presence('alice', { away: true }))
    await expect.poll(() => bob.live().has(11)).toBe(true)

    goAway(old)
    await expect.poll(() => relay.stats().connections, { interval: 5 }).toBe(2)
    // The tab comes back with the same client ID and its own clock, as the presence client
    // does after Chromium closed its socket on resume.
    const fresh = await join(relay, room, 'alice')
    fresh.setState(11, 7, presence('alice', { away: true }))
    fresh.setState(11, 8, presence('alice'))
    await expect.poll(() => bob.live().get(11)?.away).toBe(false)

    // Long past the grace, and after the sweeps that would have released the old connection.
    await delay(GRACE + 3 * SWEEP)
    carol.setState(31, 1, presence('carol'))
    await expect.poll(() => bob.live().has(31)).toBe(true)
    expect(removalsOf(bob, 11)).toBe(0)
    expect(bob.live().get(11)?.away).toBe(false)
    expect(fresh.closeCode).toBeUndefined()

    // The new connection owns it now: its own abrupt close starts a grace of its own.
    const closedAt = goAway(fresh)
    expect(await msUntilGone(bob, 11, closedAt)).toBeGreaterThanOrEqual(GRACE)
    expect(removalsOf(bob, 11)).toBe(1)
  })

  it('adds no grace to a connection dropped by the liveness timeout', async () => {
    const relay = await startRelay(OPTIONS)
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    alice.setState(11, 1, presence('alice'))
    await expect.poll(() => bob.live().has(11)).toBe(true)
    const silentFrom = performance.now()
    blackHole(alice)
    const elapsed = await msUntilGone(bob, 11, silentFrom)
    expect(elapsed).toBeGreaterThan(OPTIONS.pingIntervalMs!)
    // Within the liveness timeout (the grace would add another 600 ms).
    expect(elapsed).toBeLessThan(OPTIONS.livenessTimeoutMs! + SWEEP + 100)
  })

  it('removes at once with a grace of 0', async () => {
    // A long sweep: a removal left to it would come late.
    const relay = await startRelay({
      removalGraceMs: 0,
      sweepIntervalMs: 1000,
      pingIntervalMs: 2000,
      livenessTimeoutMs: 5000,
    })
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    alice.setState(11, 1, presence('alice'))
    await expect.poll(() => bob.live().has(11)).toBe(true)
    const closedAt = goAway(alice)
    expect(await msUntilGone(bob, 11, closedAt)).toBeLessThan(200)
  })

  it("keeps a lone tab's room through the grace, then frees it", async () => {
    const relay = await startRelay(OPTIONS)
    const grants = { rooms: [mailboxRoom(1), `${mailboxRoom(1)}/*`] }
    const list = await join(relay, mailboxRoom(1), 'erin', grants)
    const alice = await join(relay, conversationRoom(1, 'lone'), 'alice', grants)
    alice.setState(11, 1, presence('alice'))
    const listed = () =>
      [...list.live().values()].some((v) => readMailboxSummary(v)?.conversation === 'lone')
    await expect.poll(listed).toBe(true)

    const closedAt = goAway(alice)
    // The conversation room outlives its last socket while its state may still be taken over
    // (a resumed tab reconnecting), so the mailbox list does not blink...
    await expect.poll(() => listed(), { timeout: 5000, interval: 5 }).toBe(false)
    expect(performance.now() - closedAt).toBeGreaterThanOrEqual(GRACE)
    // ...and once the grace is over, the room is freed with nothing kept.
    await expect.poll(() => relay.stats().rooms, { interval: 5 }).toBe(1)
    const bob = await join(relay, conversationRoom(1, 'lone'), 'bob', grants)
    await settle(bob)
    expect(bob.live().size).toBe(0)
  })

  it('lets a lone tab reconnecting within the grace keep its room and state', async () => {
    const relay = await startRelay(OPTIONS)
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    alice.setState(11, 1, presence('alice'))
    await settle(alice)
    goAway(alice)
    const again = await join(relay, room, 'alice')
    again.setState(11, 2, presence('alice'))
    await settle(again)
    await delay(GRACE + 3 * SWEEP)
    const bob = await join(relay, room, 'bob')
    await expect.poll(() => bob.live().has(11)).toBe(true)
    expect(relay.stats().rooms).toBe(1)
  })

  it('lets mailbox summaries follow the deferred removal', async () => {
    const relay = await startRelay(OPTIONS)
    const grants = { rooms: [mailboxRoom(1), `${mailboxRoom(1)}/*`] }
    const list = await join(relay, mailboxRoom(1), 'erin', grants)
    const alice = await join(relay, conversationRoom(1, 'g1'), 'alice', grants)
    const bob = await join(relay, conversationRoom(1, 'g1'), 'bob', grants)
    alice.setState(11, 1, presence('alice'))
    bob.setState(21, 1, presence('bob'))
    const viewers = () => {
      const summaries: MailboxSummary[] = []
      for (const value of list.live().values()) {
        const summary = readMailboxSummary(value)
        if (summary?.conversation === 'g1') summaries.push(summary)
      }
      return summaries[0]?.viewers.map((v) => v.user.id).sort()
    }
    await expect.poll(viewers).toEqual(['alice', 'bob'])
    const closedAt = goAway(alice)
    await expect.poll(viewers, { timeout: 5000, interval: 5 }).toEqual(['bob'])
    expect(performance.now() - closedAt).toBeGreaterThanOrEqual(GRACE)
  })
})

describe('removalGraceMs configuration', () => {
  const SECRET = { SIGHTLINE_JWT_SECRET: 'x'.repeat(32) }
  const errorOf = (env: Record<string, string>) => {
    try {
      parseRelayEnv({ ...SECRET, ...env })
    } catch (error) {
      expect(isRelayError(error, 'config')).toBe(true)
      return (error as Error).message
    }
    throw new Error('expected parseRelayEnv to throw')
  }

  it('reads SIGHTLINE_REMOVAL_GRACE_MS and --removal-grace-ms, default 1500 ms', () => {
    expect(DEFAULT_OPTIONS.removalGraceMs).toBe(1500)
    expect(parseRelayEnv(SECRET).options.removalGraceMs).toBe(1500)
    expect(
      parseRelayEnv({ ...SECRET, SIGHTLINE_REMOVAL_GRACE_MS: '' }).options.removalGraceMs,
    ).toBe(1500)
    expect(
      parseRelayEnv({ ...SECRET, SIGHTLINE_REMOVAL_GRACE_MS: '2500' }).options.removalGraceMs,
    ).toBe(2500)
    expect(
      parseRelayEnv({ ...SECRET, SIGHTLINE_REMOVAL_GRACE_MS: '0' }).options.removalGraceMs,
    ).toBe(0)
    const command = parseCommandLine(['--removal-grace-ms', '700'], SECRET)
    expect(command.kind === 'run' && command.config.options.removalGraceMs).toBe(700)
  })

  it.each(['-1', '1.5', '2s', '60001'])(
    'refuses SIGHTLINE_REMOVAL_GRACE_MS=%s naming it',
    (raw) => {
      expect(errorOf({ SIGHTLINE_REMOVAL_GRACE_MS: raw })).toContain(
        `SIGHTLINE_REMOVAL_GRACE_MS must be an integer number of milliseconds between 0 and 60000, got "${raw}"`,
      )
    },
  )

  it('refuses a negative option', async () => {
    await expect(
      createRelay({ port: 0, jwtSecret: TEST_SECRET, removalGraceMs: -1 }),
    ).rejects.toThrow(
      'SIGHTLINE_REMOVAL_GRACE_MS (removalGraceMs) must be an integer number of milliseconds between 0 and 60000, got -1',
    )
  })

  it('caps the grace so a closed connection never outlives a silent one', () => {
    expect(removalGraceOf(DEFAULT_OPTIONS)).toBe(1500)
    expect(
      removalGraceOf({ removalGraceMs: 1500, livenessTimeoutMs: 600, sweepIntervalMs: 50 }),
    ).toBe(550)
    expect(removalGraceOf({ removalGraceMs: 0, livenessTimeoutMs: 600, sweepIntervalMs: 50 })).toBe(
      0,
    )
  })
})
