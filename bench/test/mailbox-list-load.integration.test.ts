/**
 * Keeps the mailbox list load script working: a seconds-long run, sane figures and a correct
 * final state on every list page. No timing is asserted (a shared machine); only that
 * coalescing never sends a list page more frames than there were conversation changes.
 */
import { describe, expect, it } from 'vitest'
import { formatMailboxListLoad, runMailboxListLoad } from '../src/mailbox-list-load.js'

describe('mailbox list load', () => {
  it('reports per-list-page figures and ends with every list page right', async () => {
    const result = await runMailboxListLoad({
      seconds: 3,
      agents: 20,
      conversations: 40,
      lists: 2,
      dwellMs: 400,
    })
    console.log(formatMailboxListLoad(result))
    expect(result.consistent).toBe(true)
    expect(result.conversationChangesPerSec).toBeGreaterThan(0)
    expect(result.perList.summaryFramesPerSec).toBeGreaterThan(0)
    expect(result.perList.summaryFramesPerSec).toBeLessThanOrEqual(result.conversationChangesPerSec)
    expect(result.perList.framesPerSec).toBeGreaterThanOrEqual(result.perList.summaryFramesPerSec)
    expect(result.perList.bytesPerSec).toBeGreaterThanOrEqual(result.perList.summaryBytesPerSec)
    expect(result.perList.meanEntriesPerSummaryFrame).toBeGreaterThanOrEqual(1)
    expect(result.changeToListMs.samples).toBeGreaterThan(0)
  })
})
