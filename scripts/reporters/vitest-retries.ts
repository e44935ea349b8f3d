/**
 * Lists, at the end of a vitest run, every test that passed only after a retry. Retries are
 * configured per test where its flakiness is understood (a comment says why); this makes each
 * use of one visible in the CI log instead of hiding a timing bound that needed two tries.
 */
import { relative } from 'node:path'
import type { Reporter, TestCase } from 'vitest/node'

export default class RetriesReporter implements Reporter {
  readonly #retried: string[] = []

  onTestCaseResult(testCase: TestCase): void {
    const retries = testCase.diagnostic()?.retryCount ?? 0
    if (retries === 0) return
    const outcome = testCase.result().state === 'passed' ? 'passed' : 'failed'
    this.#retried.push(
      `${relative(process.cwd(), testCase.module.moduleId)} > ${testCase.fullName}: ${outcome} after ${retries} retr${retries === 1 ? 'y' : 'ies'}`,
    )
  }

  onTestRunEnd(): void {
    if (this.#retried.length === 0) return
    const lines = [
      `Tests that needed a retry (${this.#retried.length}):`,
      ...this.#retried.map((t) => `  ${t}`),
    ]
    process.stdout.write(`\n${lines.join('\n')}\n`)
  }
}
