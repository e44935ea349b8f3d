/**
 * Helpers for the limit and attack tests: bystanders that prove an attack touched nobody
 * else, document-update frames, and a pino logger whose lines the test can read.
 */
import { encodeSyncUpdateFrame, readFrame, SyncStep } from '@sightline/protocol'
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
