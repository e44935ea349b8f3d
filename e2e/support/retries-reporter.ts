/**
 * Lists, at the end of a Playwright run, every test that passed only after a retry (retries
 * are configured per file where the flakiness is understood, see the spec's comment), so the
 * CI log names each one instead of a bare "1 flaky".
 */
import type { Reporter, TestCase, TestResult } from '@playwright/test/reporter'

export default class RetriesReporter implements Reporter {
  readonly #retried = new Map<string, string>()

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.retry === 0) return
    // titlePath: root, project, file, then describes and the test's own title.
    const names = test
      .titlePath()
      .filter((t) => t !== '')
      .slice(1)
    const file = test.location.file.split('/e2e/').pop()
    const title = `${file}:${test.location.line} > ${names.join(' > ')}`
    this.#retried.set(title, `${result.status} on retry ${result.retry}`)
  }

  onEnd(): void {
    if (this.#retried.size === 0) return
    const lines = [`Tests that needed a retry (${this.#retried.size}):`]
    for (const [title, outcome] of this.#retried) lines.push(`  ${title}: ${outcome}`)
    process.stdout.write(`\n${lines.join('\n')}\n`)
  }

  printsToStdio(): boolean {
    return false
  }
}
