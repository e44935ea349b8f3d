/**
 * `stopRemoteExpiry` reaches into a private internal of y-protocols (`_checkInterval`). These
 * tests fail when a y-protocols release renames or reworks it, before presence in the field
 * starts losing live peers every 30 s.
 */
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import {
  Awareness,
  applyAwarenessUpdate,
  encodeAwarenessUpdate,
  outdatedTimeout,
} from 'y-protocols/awareness'
import * as Y from 'yjs'
import { stopRemoteExpiry } from '../src/remote-expiry.js'

/**
 * A local awareness that heard from a remote peer once, longer ago than y-protocols'
 * `outdatedTimeout`. y-protocols reads lib0's clock, bound to the real `Date.now` when lib0
 * loads (fake timers cannot move it), so the entry is aged instead; fake timers run the check.
 */
function heardLongAgo(stop: (local: Awareness) => void): { local: Awareness; peerId: number } {
  const local = new Awareness(new Y.Doc())
  stop(local)
  const peer = new Awareness(new Y.Doc())
  peer.setLocalState({ name: 'peer' })
  applyAwarenessUpdate(local, encodeAwarenessUpdate(peer, [peer.clientID]), 'relay')
  const peerId = peer.clientID
  peer.destroy()
  const meta = local.meta.get(peerId)
  if (meta === undefined) throw new Error('the update did not apply')
  meta.lastUpdated -= 2 * outdatedTimeout
  onTestFinished(() => local.destroy())
  return { local, peerId }
}

describe('stopRemoteExpiry', () => {
  // y-protocols checks ages on a setInterval (every outdatedTimeout / 10).
  beforeEach(() => void vi.useFakeTimers())
  afterEach(() => void vi.useRealTimers())

  it('finds the internal it clears on a y-protocols Awareness', () => {
    const awareness = new Awareness(new Y.Doc())
    onTestFinished(() => awareness.destroy())
    expect(awareness).toHaveProperty('_checkInterval')
    expect(awareness._checkInterval).toBeTruthy()
  })

  it('control: left alone, y-protocols expires a remote state older than its timeout', () => {
    const { local, peerId } = heardLongAgo(() => {})
    expect(local.getStates().has(peerId)).toBe(true)
    vi.advanceTimersByTime(outdatedTimeout / 5)
    expect(local.getStates().has(peerId)).toBe(false)
  })

  it('keeps a silent remote state long past y-protocols timeout (the relay removes it)', () => {
    const { local, peerId } = heardLongAgo(stopRemoteExpiry)
    vi.advanceTimersByTime(outdatedTimeout * 4)
    expect(local.getStates().has(peerId)).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })
})
