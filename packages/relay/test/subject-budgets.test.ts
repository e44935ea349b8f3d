/** One agent's budgets in a room, in process: shared, not reset by leaving, dropped once refilled. */
import { describe, expect, it } from 'vitest'
import { DEFAULT_OPTIONS } from '../src/config/options.js'
import { BURST_SECONDS, SubjectBudgets } from '../src/core/subject-budgets.js'

const limits = { subjectBytesPerSecond: 1000, maxStateBytes: 256 }
const burst = BURST_SECONDS * limits.subjectBytesPerSecond

describe('SubjectBudgets', () => {
  it("shares one agent's state bytes across its connections", () => {
    const budgets = new SubjectBudgets(limits)
    const first = budgets.join('mallory')
    const second = budgets.join('mallory')
    expect(first).toBe(second)
    expect(first.writeState(burst - 10)).toBe(true)
    expect(budgets.of('mallory').writeState(100)).toBe(false)
    expect(budgets.join('alice').writeState(100)).toBe(true)
  })

  it('does not hand a fresh burst to an agent that leaves and comes back', () => {
    const budgets = new SubjectBudgets(limits)
    budgets.join('mallory').writeState(burst)
    budgets.leave('mallory')
    budgets.prune()
    expect(budgets.join('mallory').writeState(500)).toBe(false)
  })

  it('drops the budget of an agent gone long enough for it to have refilled', () => {
    const budgets = new SubjectBudgets(limits)
    budgets.join('mallory')
    budgets.join('alice')
    budgets.leave('mallory')
    budgets.prune(performance.now() + BURST_SECONDS * 1000 - 100)
    expect(budgets.size).toBe(2)
    budgets.prune(performance.now() + BURST_SECONDS * 1000 + 100)
    expect(budgets.size).toBe(1)
  })

  it('an agent with no connection here is not handed a fresh budget on every call', () => {
    const budgets = new SubjectBudgets(limits)
    expect(budgets.of('ghost').writeState(burst)).toBe(true)
    expect(budgets.of('ghost').writeState(100)).toBe(false)
    budgets.prune(performance.now() + BURST_SECONDS * 1000 + 100)
    expect(budgets.size).toBe(0)
  })

  it('answers one answer larger than the whole burst when the budget is full, then pays it off', () => {
    const budgets = new SubjectBudgets(DEFAULT_OPTIONS)
    const budget = budgets.join('alice')
    const answerBurst = 8 * BURST_SECONDS * DEFAULT_OPTIONS.subjectBytesPerSecond
    expect(budget.answer(answerBurst * 2)).toBe(true)
    // Owed: the next question waits until the debt is paid.
    expect(budget.answer(10)).toBe(false)
  })
})
