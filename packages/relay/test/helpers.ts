/**
 * Helpers for the limit and attack tests: bystanders that prove an attack touched nobody
 * else, document-update frames, and a pino logger whose lines the test can read.
 */
import { encodeSyncUpdateFrame, HEARTBEAT_FRAME, readFrame, SyncStep } from '@sightline/protocol'
import { type Logger, pino } from 'pino'
import { expect } from 'vitest'
import * as Y from 'yjs'
import type { RelayHandle } from '../src/index.js'
import { join, presence, type TestClient, uniqueRoom } from './fixtures.js'

/**
 * Two pairs of clients: one writer and one watcher in the attacked room, and the same in
 * another room. `stillServed()` makes a fresh state change in each room and waits until
 * its watcher receives it, and checks that none of the four was closed.
 */
export interface Bystanders {
  readonly writer: TestClient
  readonly watcher: TestClient
  readonly otherWriter: TestClient
  readonly otherWatcher: TestClient
  readonly otherRoom: string
  stillServed(): Promise<void>
}

let bystanderClock = 0

export async function bystanders(relay: RelayHandle, room: string): Promise<Bystanders> {
  const otherRoom = uniqueRoom()
  const writer = await join(relay, room, 'alice')
  const watcher = await join(relay, room, 'bob')
  const otherWriter = await join(relay, otherRoom, 'carol')
  const otherWatcher = await join(relay, otherRoom, 'dave')
  const all = [writer, watcher, otherWriter, otherWatcher]
  const pairs = [
    [writer, watcher, 11, 'alice'],
    [otherWriter, otherWatcher, 31, 'carol'],
  ] as const
  // Each change carries a new `mark` (peers may add fields; `since` is the relay's to stamp).
  const announce = async () => {
    const mark = ++bystanderClock
    for (const [from, , clientId, sub] of pairs)
      from.setState(clientId, mark, { ...presence(sub), mark })
    for (const [, to, clientId] of pairs) {
      await expect.poll(() => markOf(to.live().get(clientId))).toBe(mark)
    }
  }
  await announce()
  return {
    writer,
    watcher,
    otherWriter,
    otherWatcher,
    otherRoom,
    async stillServed() {
      await announce()
      for (const c of all) expect(c.closeCode).toBeUndefined()
    },
  }
}

function markOf(state: unknown): unknown {
  return (state as { mark?: unknown } | undefined)?.mark
}

/** A sync frame carrying one document update. */
export const updateFrame: (update: Uint8Array) => Uint8Array = encodeSyncUpdateFrame

/** The room document as a client received it: every sync frame among `frames` applied in order. */
export function documentFrom(frames: readonly Uint8Array[]): Y.Doc {
  const doc = new Y.Doc()
  for (const bytes of frames) {
    const frame = readFrame(bytes)
    if (frame.kind === 'sync' && frame.step !== SyncStep.Step1) Y.applyUpdate(doc, frame.payload)
  }
  return doc
}

/** A fresh document update inserting `chars` characters into the text `key`. */
export function textUpdate(chars: number, key = 'signals'): Uint8Array {
  const doc = new Y.Doc()
  doc.getText(key).insert(0, 'x'.repeat(chars))
  const update = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return update
}

/** A pino logger at `debug` whose JSON lines are collected in `lines`. */
export function capturedLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) })
  return { logger, lines }
}

// --- Issue 20: latency probes, frozen readers, quantiles (ownership, budgets, not-reading) ---

/** The `q` quantile (0..1) of `samples`, nearest rank; NaN when there are none. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN
}

/** Bytes of `frames` from index `from` on (what a client received since then). */
export function bytesOf(frames: readonly Uint8Array[], from = 0): number {
  let n = 0
  for (let i = from; i < frames.length; i++) n += frames[i]!.length
  return n
}

/**
 * A writer and a watcher in one room. `change()` flips the writer's `away` (a change that
 * survives the relay's canonical re-encoding, unlike an extra field) and resolves with the ms
 * until the watcher holds it; it rejects when the watcher has not got it within 5 s.
 */
export interface ChangeProbe {
  readonly writer: TestClient
  readonly watcher: TestClient
  readonly clientId: number
  change(): Promise<number>
}

export async function changeProbe(
  relay: RelayHandle,
  room: string,
  writerSub: string,
  watcherSub: string,
  clientId: number,
): Promise<ChangeProbe> {
  const writer = await join(relay, room, writerSub)
  const watcher = await join(relay, room, watcherSub)
  const since = Date.now()
  let away = false
  let clock = 0
  const change = () => {
    away = !away
    const want = away
    const sentAt = performance.now()
    writer.setState(clientId, ++clock, presence(writerSub, { away: want, since }))
    return new Promise<number>((resolve, reject) => {
      const check = () => {
        if (watcher.live().get(clientId)?.away !== want) return
        clearTimeout(timer)
        watcher.ws.off('message', check)
        resolve(performance.now() - sentAt)
      }
      const timer = setTimeout(() => {
        watcher.ws.off('message', check)
        reject(new Error(`watcher ${watcherSub} did not get change ${clock} within 5 s`))
      }, 5000)
      watcher.ws.on('message', check)
    })
  }
  await change()
  return { writer, watcher, clientId, change }
}

/**
 * Measures `probe.change()` back to back, one every `intervalMs` (or as soon as the previous
 * one arrived, if later), until `stop()`, which resolves with the latencies (ms).
 */
export function sampleLatencies(
  probe: ChangeProbe,
  intervalMs = 100,
): { stop(): Promise<number[]> } {
  const samples: number[] = []
  let running = true
  const loop = (async () => {
    while (running) {
      const started = performance.now()
      samples.push(await probe.change())
      const rest = intervalMs - (performance.now() - started)
      if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return samples
    },
  }
}

/**
 * A frozen tab as a browser makes one: its scripts sent one heartbeat (a Sightline client),
 * then nothing; its network stack keeps reading the socket and answering pings until
 * `windowBytes` wait unread, then stops reading altogether (a real frozen Chromium tab still
 * takes about 100 KB), so the relay's pings go unanswered from then on.
 */
export interface FrozenReader {
  readonly client: TestClient
  /** Bytes read from the TCP socket since the tab froze. */
  received(): number
  /** Whether its window filled up and it stopped reading. */
  stoppedReading(): boolean
}

export async function frozenReader(
  relay: RelayHandle,
  room: string,
  sub: string,
  windowBytes = 96 * 1024,
): Promise<FrozenReader> {
  const client = await join(relay, room, sub)
  await silentHeartbeat(client)
  // The relay answered the heartbeat: from here on the tab is frozen.
  const socket = (client.ws as unknown as { _socket: import('node:net').Socket })._socket
  let received = 0
  let stopped = false
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length
    if (!stopped && received > windowBytes) {
      stopped = true
      socket.pause()
    }
  })
  return { client, received: () => received, stoppedReading: () => stopped }
}

/**
 * One heartbeat written straight to the socket, answered: the relay now takes `client` for a
 * Sightline client, but unlike `TestClient.heartbeat()` it starts no keepalive and no
 * acknowledgements, so from here on the client's "scripts" stay silent unless a test sends.
 */
export async function silentHeartbeat(client: TestClient): Promise<void> {
  const beats = client.heartbeats()
  client.ws.send(HEARTBEAT_FRAME)
  await expect.poll(() => client.heartbeats()).toBe(beats + 1)
}

/**
 * The code `client` was closed with, or 'open' when it is still open after `ms`: a refusal
 * that never comes fails the assertion with a readable value instead of the test timeout.
 */
export async function closeCodeWithin(client: TestClient, ms = 3000): Promise<number | 'open'> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const open = new Promise<'open'>((resolve) => {
    timer = setTimeout(() => resolve('open'), ms)
  })
  try {
    return await Promise.race([client.closed(), open])
  } finally {
    clearTimeout(timer)
  }
}
