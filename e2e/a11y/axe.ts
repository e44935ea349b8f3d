/**
 * axe-core over a page (open shadow roots included), reduced to what must never ship: the
 * serious and critical violations, each with its rule, help text and the offending nodes, so
 * a failure reads as a to-do list.
 */
import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'

export interface Finding {
  readonly rule: string
  readonly impact: string
  readonly help: string
  readonly nodes: readonly string[]
}

/** Serious and critical axe violations on `page`, limited to `include` when given. */
export async function seriousViolations(page: Page, include?: string): Promise<Finding[]> {
  let builder = new AxeBuilder({ page })
  if (include !== undefined) builder = builder.include(include)
  const results = await builder.analyze()
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      rule: v.id,
      impact: v.impact ?? '',
      help: v.help,
      nodes: v.nodes.map((n) => `${JSON.stringify(n.target)}: ${n.failureSummary ?? ''}`),
    }))
}
