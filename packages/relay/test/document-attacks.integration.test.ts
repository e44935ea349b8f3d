/**
 * Attacks through the room's document and its signals, each reproduced for real over sockets
 * by an agent holding one valid token. During each attack, bystanders in the attacked room
 * and in another room keep receiving fresh state changes within 1 s (`stillServed` polls with
 * vitest's default 1 s timeout), and relay memory stays bounded.
 */
import {
  CloseCode,
  conversationRoom,
  encodeAwarenessFrame,
  encodeSignalFrame,
  MessageType,
  mailboxRoom,
  QUERY_AWARENESS_FRAME,
  REPLIES_KEY,
  readFrameType,
  SignalKind,
} from '@sightline/protocol'
import { describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { DEFAULT_OPTIONS } from '../src/config/options.js'
import { ANSWER_FACTOR, BURST_SECONDS } from '../src/core/subject-budgets.js'

/** Answer bytes one agent's questions may cost in one room within `elapsedMs` (and at once). */
function answerBudget(elapsedMs: number): number {
  const rate = ANSWER_FACTOR * DEFAULT_OPTIONS.subjectBytesPerSecond
  return BURST_SECONDS * rate + (elapsedMs / 1000) * rate
}

import {
  conflictingInsertsFrame,
  deleteItemsFrame,
  forgedReplyFrame,
  pendingUpdateFrame,
  step1Frame,
  subdocumentsFrame,
} from './doc-frames.js'
import {
  join,
  presence,
  settle,
  startRelay,
  type TestClient,
  TRANSPORT,
  uniqueRoom,
} from './fixtures.js'
import { bystanders, documentFrom } from './helpers.js'

/** The room document as `client` has received it (every sync frame applied in order). */
function documentOf(client: TestClient): Y.Doc {
  return documentFrom(client.frames)
}

function replyLog(client: TestClient): { userId: string; name: string; at: number }[] {
  return documentOf(client).getArray(REPLIES_KEY).toJSON() as never
}

describe('document attacks', () => {
  it('quadratic conflicting inserts: 4405 at once, nobody else waits', async () => {
    // Built first: making 15,000 Yjs docs leaves garbage whose collection would stall this
    // test process (relay and clients share it) and be mistaken for the relay's work.
    const frames = [1, 10_001, 20_001].map((first) => conflictingInsertsFrame(5000, first))
    const relay = await startRelay()
    const room = uniqueRoom()
    const b = await bystanders(relay, room)
    // Ten attackers at once, each with the three ~50 KB frames that held a relay for seconds
    // when it integrated client updates.
    const attackers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => join(relay, room, `mallory${i}`)),
    )
    for (const a of attackers) for (const f of frames) a.send(f)
    await b.stillServed()
    // uWS lets go of a socket as it sends the close frame: the frames still arriving make the
    // kernel reset the connection, which can overtake the close frame (seen as 1006).
    const codes = TRANSPORT === 'uws' ? [CloseCode.ReadOnly, 1006] : [CloseCode.ReadOnly]
    for (const a of attackers) expect(codes).toContain(await a.closed())
    await b.stillServed()
  })

  it('pending updates, then a storm of 4-byte sync step 1: refused, and each answer is tiny', async () => {
    const pending = pendingUpdateFrame(1_000_000, 4000)
    const relay = await startRelay({
      messagesPerSecond: 10_000,
      messageBurst: 10_000,
      bytesPerSecond: 2 ** 20,
    })
    const room = uniqueRoom()
    const b = await bystanders(relay, room)
    const filler = await join(relay, room, 'mallory')
    filler.send(pending)
    expect(await filler.closed()).toBe(CloseCode.ReadOnly)
    const askers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => join(relay, room, `asker${i}`)),
    )
    // The document each joiner is sent (a sync frame too) has arrived before counting answers.
    await Promise.all(askers.map(settle))
    const before = askers.map((a) => a.frames.length)
    const started = performance.now()
    for (let round = 0; round < 100; round++) for (const a of askers) a.send(step1Frame())
    await b.stillServed()
    for (const [i, a] of askers.entries()) {
      await settle(a)
      const answers = a.frames.slice(before[i]).filter((f) => readFrameType(f) === MessageType.Sync)
      // Within the agent's answer bytes: tiny answers, so every one of them.
      const answered = answers.reduce((n, f) => n + f.length, 0)
      expect(answers.length).toBe(100)
      expect(answered).toBeLessThanOrEqual(answerBudget(performance.now() - started))
      // Sync step 2 of the empty relay document: 5 bytes, whatever was sent before.
      expect(answers.every((f) => f.length === 5)).toBe(true)
      expect(a.closeCode).toBeUndefined()
    }
  })

  it('a storm of 1-byte query-awareness in a full room: answered within the budget only', async () => {
    const relay = await startRelay({ messagesPerSecond: 10_000, messageBurst: 10_000 })
    const room = uniqueRoom()
    const b = await bystanders(relay, room)
    // 30 tabs with states: each answer carries all of them (~3 KB for one byte asked).
    const tabs = await Promise.all(Array.from({ length: 30 }, (_, i) => join(relay, room, `t${i}`)))
    for (const [i, t] of tabs.entries()) t.setState(500 + i, 1, presence(`t${i}`))
    await expect.poll(() => b.watcher.live().size).toBe(31)
    const mallory = await join(relay, room, 'mallory')
    await settle(mallory)
    const before = mallory.stateFrames().length
    const framesBefore = mallory.frames.length
    const started = performance.now()
    for (let i = 0; i < 500; i++) mallory.send(QUERY_AWARENESS_FRAME)
    await b.stillServed()
    await settle(mallory)
    const answers = mallory.stateFrames().length - before
    // Each answer weighs all 31 states: the agent's answer bytes allow a few dozen, not 500.
    const answerBytes = mallory.frames.slice(framesBefore).reduce((n, f) => n + f.length, 0)
    expect(answers).toBeGreaterThanOrEqual(1)
    expect(answers).toBeLessThan(500)
    expect(answerBytes).toBeLessThanOrEqual(answerBudget(performance.now() - started) + 8192)
    expect(mallory.closeCode).toBeUndefined()
  })

  it('sub-documents in updates never exist on the relay: 4405, memory flat over 20 rooms', async () => {
    const frame = subdocumentsFrame(1200)
    const relay = await startRelay()
    const b = await bystanders(relay, uniqueRoom())
    const heapBefore = process.memoryUsage().heapUsed
    for (let i = 0; i < 20; i++) {
      const mallory = await join(relay, uniqueRoom(), 'mallory')
      mallory.send(frame)
      expect(await mallory.closed()).toBe(CloseCode.ReadOnly)
    }
    await b.stillServed()
    // Integrated, these cost ~46 MiB of relay memory per room; refused, next to nothing.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(32 * 2 ** 20)
  })

  it('the reply log cannot be forged or erased; a reply names its sender from the token', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const b = await bystanders(relay, room)
    const bob = await join(relay, room, 'bob')
    bob.setState(21, 1, presence('bob'))
    bob.send(encodeSignalFrame(SignalKind.ReplySent))
    await expect.poll(() => replyLog(b.watcher).map((e) => e.userId)).toEqual(['bob'])
    const relayClient = [...documentOf(b.watcher).store.clients.keys()][0]!

    // Mallory writes "Carol replied" straight into the document: refused, not applied.
    const forger = await join(relay, room, 'mallory')
    forger.send(forgedReplyFrame({ userId: 'carol', name: 'Carol', at: Date.now(), clientId: 1 }))
    expect(await forger.closed()).toBe(CloseCode.ReadOnly)
    // She deletes Bob's entry by its Yjs ID: refused, not applied.
    const eraser = await join(relay, room, 'mallory')
    eraser.send(deleteItemsFrame(relayClient, 1))
    expect(await eraser.closed()).toBe(CloseCode.ReadOnly)
    // Her own signal, whatever state she shows, is written under her token's name.
    const signaller = await join(relay, room, 'mallory')
    signaller.setState(66, 1, presence('mallory'))
    signaller.send(encodeSignalFrame(SignalKind.ReplySent))
    await expect.poll(() => replyLog(b.watcher).map((e) => e.userId)).toEqual(['bob', 'mallory'])
    const [bobEntry, malloryEntry] = replyLog(b.watcher)
    expect(malloryEntry).toMatchObject({ userId: 'mallory', name: 'Mallory', clientId: 66 })
    // Relay clock, strictly rising.
    expect(malloryEntry!.at).toBeGreaterThan(bobEntry!.at)
    await b.stillServed()
    // A newcomer syncs the same log.
    const erin = await join(relay, room, 'erin')
    await settle(erin)
    expect(replyLog(erin)).toEqual(replyLog(b.watcher))
  })

  it('a signal needs a presence state in the room (1008)', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const b = await bystanders(relay, room)
    const mallory = await join(relay, room, 'mallory')
    mallory.send(encodeSignalFrame(SignalKind.ReplySent))
    expect(await mallory.closed()).toBe(CloseCode.PolicyViolation)
    await b.stillServed()
    expect(replyLog(b.watcher)).toEqual([])
  })

  it('a mailbox room is read-only: document writes and signals get 4405, nothing forwarded', async () => {
    const relay = await startRelay()
    const list = mailboxRoom(7)
    const grants = { rooms: [list] }
    const page = await join(relay, list, 'erin', grants)
    const b = await bystanders(relay, conversationRoom(7, 1))
    await settle(page)
    const seen = page.frames.length
    const writer = await join(relay, list, 'mallory', grants)
    writer.send(forgedReplyFrame({ userId: 'mallory', name: 'Mallory', at: 1, clientId: 1 }))
    expect(await writer.closed()).toBe(CloseCode.ReadOnly)
    const signaller = await join(relay, list, 'mallory', grants)
    signaller.send(encodeSignalFrame(SignalKind.ReplySent))
    expect(await signaller.closed()).toBe(CloseCode.ReadOnly)
    await b.stillServed()
    await settle(page)
    // The list page got heartbeat answers and (relay-owned) summaries only: no sync frame.
    expect(page.frames.slice(seen).map(readFrameType)).not.toContain(MessageType.Sync)
  })
})

describe('presence state forgery', () => {
  it('an avatar when the token has none: 1008, never forwarded', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const b = await bystanders(relay, room)
    const before = b.watcher.stateFrames().length
    const mallory = await join(relay, room, 'mallory')
    const state = presence('mallory')
    mallory.send(
      encodeAwarenessFrame([
        {
          clientId: 66,
          clock: 1,
          json: JSON.stringify({ ...state, user: { ...state.user, avatar: 'https://t.test/p' } }),
        },
      ]),
    )
    expect(await mallory.closed()).toBe(CloseCode.PolicyViolation)
    await b.stillServed()
    const entries = b.watcher.stateFrames().slice(before).flat()
    expect(entries.some((e) => e.clientId === 66)).toBe(false)
  })

  it('an avatar other than the token claim: 1008', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const mallory = await join(relay, room, 'mallory', { avatar: 'https://cdn.test/m.png' })
    const state = presence('mallory')
    mallory.setState(66, 1, { ...state, user: { ...state.user, avatar: 'https://cdn.test/x.png' } })
    expect(await mallory.closed()).toBe(CloseCode.PolicyViolation)
  })

  it('since 0 while replying does not put a tab first: the relay stamps its clock', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const watcher = await join(relay, room, 'olga')
    const bob = await join(relay, room, 'bob')
    const mallory = await join(relay, room, 'mallory')
    const bobStarted = Date.now()
    bob.setState(21, 1, presence('bob', { activity: 'replying', since: bobStarted }))
    await expect.poll(() => watcher.live().get(21)?.activity).toBe('replying')
    const malloryClaimed = Date.now()
    mallory.setState(66, 1, presence('mallory', { activity: 'replying', since: 0 }))
    await expect.poll(() => watcher.live().get(66)?.activity).toBe('replying')
    expect(watcher.live().get(21)?.since).toBe(bobStarted)
    expect(watcher.live().get(66)?.since).toBeGreaterThanOrEqual(malloryClaimed)
    // While her activity stays, she cannot move it either.
    mallory.setState(66, 2, presence('mallory', { activity: 'replying', since: 1, away: true }))
    await expect.poll(() => watcher.live().get(66)?.away).toBe(true)
    expect(watcher.live().get(66)?.since).toBeGreaterThanOrEqual(malloryClaimed)
    // She is told the value the others see, with her own clock (y-protocols ignores that).
    await settle(mallory)
    const told = mallory
      .stateFrames()
      .flat()
      .filter((e) => e.clientId === 66)
    expect(told.map((e) => e.clock)).toEqual([1, 2])
    expect(told.map((e) => JSON.parse(e.json).since)).toEqual([
      watcher.live().get(66)?.since,
      watcher.live().get(66)?.since,
    ])
  })
})
