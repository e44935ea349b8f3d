/**
 * Property test over real sockets: 10,000 random and mutated frames (bit flips, truncation,
 * wrong lengths, huge varints, splices) sent to one relay, seeded with presence traffic and
 * with document traffic (sync step 1, reply signals, and every kind of hostile Yjs update:
 * conflicting inserts, pending structs, sub-documents, forged and deleted reply entries). Every frame is followed by a
 * WebSocket ping, so each one is handled before the next: a pong means the connection
 * survived it, a close gives its code, and a closed connection is replaced by a fresh one.
 * The relay must keep serving, close only with documented codes (never 1011, which would be
 * an exception), nothing from the fuzzed room may reach a watcher in another room, and the
 * fuzzed room's document holds only what the relay wrote: reply entries naming the fuzzer.
 */
import {
  CloseCode,
  encodeAwarenessFrame,
  encodeSignalFrame,
  encodeSyncStep1Frame,
  HEARTBEAT_FRAME,
  QUERY_AWARENESS_FRAME,
  REPLIES_KEY,
  SignalKind,
} from '@sightline/protocol'
import fc from 'fast-check'
import { describe, expect, it, onTestFinished } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import type { RelayHandle } from '../src/index.js'
import {
  conflictingInsertsFrame,
  deleteItemsFrame,
  forgedReplyFrame,
  pendingUpdateFrame,
  subdocumentsFrame,
} from './doc-frames.js'
import { join, mintToken, presence, settle, startRelay, TRANSPORT, uniqueRoom } from './fixtures.js'
import { documentFrom, textUpdate, updateFrame } from './helpers.js'

const FRAMES_PER_RUN = 100
const RUNS = 100

function syncStep1(): Uint8Array {
  return encodeSyncStep1Frame(Y.encodeStateVector(new Y.Doc()))
}

const seeds: Uint8Array[] = [
  encodeAwarenessFrame([{ clientId: 7, clock: 1, json: JSON.stringify(presence('mallory')) }]),
  encodeAwarenessFrame([
    { clientId: 7, clock: 2, json: JSON.stringify(presence('mallory')) },
    { clientId: 8, clock: 1, json: 'null' },
  ]),
  HEARTBEAT_FRAME,
  QUERY_AWARENESS_FRAME,
  syncStep1(),
  updateFrame(textUpdate(40)),
  encodeSignalFrame(SignalKind.ReplySent),
  conflictingInsertsFrame(16),
  pendingUpdateFrame(77, 8),
  subdocumentsFrame(4),
  forgedReplyFrame({ userId: 'bob', name: 'Bob', at: 1, clientId: 1 }),
  deleteItemsFrame(424242, 2),
]

/** A varint of 5-12 bytes, often far beyond 32 bits. */
const hugeVarint = fc
  .array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 4, maxLength: 11 })
  .chain((head) =>
    fc.integer({ min: 1, max: 0x7f }).map((last) => Uint8Array.from([...head, last])),
  )

const seed = fc.constantFrom(...seeds)

const mutated = fc.oneof(
  // bit flips
  fc
    .tuple(
      seed,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }),
    )
    .map(([s, flips]) => {
      const copy = Uint8Array.from(s)
      for (const [at, bit] of flips)
        copy[at % copy.length] = (copy[at % copy.length] ?? 0) ^ (1 << bit)
      return copy
    }),
  // truncation
  fc.tuple(seed, fc.nat()).map(([s, cut]) => s.slice(0, cut % s.length)),
  // a wrong length: a byte after the type replaced
  fc.tuple(seed, fc.integer({ min: 0, max: 255 })).map(([s, len]) => {
    const copy = Uint8Array.from(s)
    if (copy.length > 1) copy[1] = len
    return copy
  }),
  // a huge varint spliced in
  fc.tuple(seed, fc.nat(), hugeVarint).map(([s, at, v]) => {
    const i = at % (s.length + 1)
    return Uint8Array.from([...s.slice(0, i), ...v, ...s.slice(i)])
  }),
  // two frames glued together, or trailing garbage
  fc.tuple(seed, seed).map(([a, b]) => Uint8Array.from([...a, ...b])),
  fc
    .tuple(seed, fc.uint8Array({ minLength: 1, maxLength: 8 }))
    .map(([s, tail]) => Uint8Array.from([...s, ...tail])),
)

const frame = fc.oneof(
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 1, arbitrary: seed },
  { weight: 4, arbitrary: mutated },
)

/** Codes a fuzzed frame may legitimately cause. */
const EXPECTED_CODES = new Set<number>([
  CloseCode.BadFrame,
  CloseCode.PolicyViolation,
  CloseCode.TooLarge,
  CloseCode.ReadOnly,
  // uWS lets go of a socket as it sends the close frame; frames the fuzzer sent meanwhile
  // make the kernel reset the connection, and a reset can overtake the close frame.
  ...(TRANSPORT === 'uws' ? [1006] : []),
])

/** One fuzzing socket: sends a frame, then a ping; resolves with null (pong) or a close code. */
class Fuzzer {
  #ws: WebSocket | null = null
  readonly #url: string
  readonly closeCodes = new Map<number, number>()

  constructor(relay: RelayHandle, room: string, token: string) {
    this.#url = `${relay.url}/${room}?token=${token}`
  }

  async send(bytes: Uint8Array): Promise<void> {
    const ws = await this.#open()
    const outcome = await new Promise<number | null>((resolve) => {
      const onPong = () => done(null)
      const onClose = (code: number) => done(code)
      const done = (result: number | null) => {
        ws.off('pong', onPong)
        ws.off('close', onClose)
        resolve(result)
      }
      ws.on('pong', onPong)
      ws.on('close', onClose)
      ws.send(bytes)
      ws.ping()
    })
    if (outcome !== null) {
      this.#ws = null
      this.closeCodes.set(outcome, (this.closeCodes.get(outcome) ?? 0) + 1)
    }
  }

  close(): void {
    this.#ws?.terminate()
  }

  async #open(): Promise<WebSocket> {
    if (this.#ws !== null && this.#ws.readyState === WebSocket.OPEN) return this.#ws
    const ws = new WebSocket(this.#url)
    ws.on('error', () => {})
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('close', (code) => reject(new Error(`fuzzer refused with ${code}`)))
    })
    this.#ws = ws
    return ws
  }
}

describe('random and mutated frames over real sockets', () => {
  it('never crash the relay, close only with documented codes, never leak across rooms', async () => {
    const relay = await startRelay({
      messagesPerSecond: 1_000_000,
      bytesPerSecond: 2 ** 30,
      messageBurst: 1_000_000,
      pingIntervalMs: 2000,
      livenessTimeoutMs: 10_000,
    })
    const fuzzRoom = uniqueRoom()
    const otherRoom = uniqueRoom()
    const watcher = await join(relay, otherRoom, 'watcher')
    const neighbour = await join(relay, otherRoom, 'neighbour')
    neighbour.setState(41, 1, presence('neighbour'))
    await expect.poll(() => watcher.live().has(41)).toBe(true)
    await settle(watcher)
    const watcherFrames = watcher.frames.length
    const watcherAwareness = watcher.awareness.length
    // A stock-style reader of the fuzzed room's document (applies every sync frame it gets).
    const docWatcher = await join(relay, fuzzRoom, 'docwatcher')
    const fuzzer = new Fuzzer(relay, fuzzRoom, await mintToken({ sub: 'mallory' }))
    onTestFinished(() => fuzzer.close())

    let sent = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(frame, { minLength: FRAMES_PER_RUN, maxLength: FRAMES_PER_RUN }),
        async (batch) => {
          for (const bytes of batch) {
            await fuzzer.send(bytes)
            sent++
          }
        },
      ),
      { numRuns: RUNS },
    )
    expect(sent).toBeGreaterThanOrEqual(10_000)
    for (const code of fuzzer.closeCodes.keys()) expect(EXPECTED_CODES).toContain(code)
    // Both outcomes were exercised: frames the relay rejected and frames it lived with.
    const closes = [...fuzzer.closeCodes.values()].reduce((a, b) => a + b, 0)
    expect(closes).toBeGreaterThan(100)
    expect(closes).toBeLessThan(sent - 100)

    // Still serving: health, a fresh pair in a fresh room, and the untouched room.
    expect(await (await fetch(`${relay.httpUrl}/healthz`)).text()).toBe('ok')
    const room = uniqueRoom()
    const alice = await join(relay, room, 'alice')
    const bob = await join(relay, room, 'bob')
    alice.setState(51, 1, presence('alice'))
    await expect.poll(() => bob.live().get(51)?.user.id).toBe('alice')
    neighbour.setState(41, 2, presence('neighbour', { activity: 'replying' }))
    await expect.poll(() => watcher.live().get(41)?.activity).toBe('replying')
    // The watcher heard only its neighbour's states (changes and relay refreshes): no
    // document frames and no other client ID, so nothing from the fuzzed room.
    const heard = watcher.awareness.slice(watcherAwareness)
    expect(heard.length).toBe(watcher.frames.length - watcherFrames)
    expect(heard.flat().every((e) => e.clientId === 41)).toBe(true)
    expect(watcher.closeCode).toBeUndefined()
    // The fuzzed room's document: only reply entries the relay wrote for the fuzzer. One
    // well-formed reply from the fuzzer's token last, so the log is never empty by chance.
    // The fuzzer's signals may have spent its agent's signal budget (one a second once the
    // burst is gone, shared by all its sockets): the reply is sent again until one is taken.
    const last = await join(relay, fuzzRoom, 'mallory')
    last.setState(99, 1, presence('mallory'))
    const logOf = () =>
      documentFrom(docWatcher.frames).getArray(REPLIES_KEY).toJSON() as {
        userId: string
        name: string
        clientId: number
      }[]
    await expect
      .poll(
        () => {
          const seen = logOf().some((e) => e.clientId === 99)
          if (!seen) last.send(encodeSignalFrame(SignalKind.ReplySent))
          return seen
        },
        { timeout: 10_000, interval: 500 },
      )
      .toBe(true)
    const doc = documentFrom(docWatcher.frames)
    const log = logOf()
    expect(log.every((e) => e.userId === 'mallory' && e.name === 'Mallory')).toBe(true)
    expect(doc.share.size).toBe(1)
    expect(docWatcher.closeCode).toBeUndefined()
  }, 120_000)
})
