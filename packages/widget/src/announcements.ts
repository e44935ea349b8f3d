/**
 * Turns two successive viewer lists into the sentences a screen reader should hear
 * ("Bob joined", "Bob started replying", "Bob is away", "Bob left"). Only changes are
 * announced; an unchanged list yields nothing.
 */
import type { Viewer } from '@sightline/protocol'

/** Announcements for the step from `before` to `after`, joins and changes first, then leaves. */
export function describeChanges(before: readonly Viewer[], after: readonly Viewer[]): string[] {
  const previous = new Map(before.map((v) => [v.user.id, v]))
  const present = new Set(after.map((v) => v.user.id))
  const out: string[] = []
  for (const v of after) {
    const name = v.user.name
    const was = previous.get(v.user.id)
    if (was === undefined) {
      out.push(`${name} joined`)
      if (v.activity === 'replying') out.push(`${name} started replying`)
      if (v.away) out.push(`${name} is away`)
      continue
    }
    if (was.activity !== v.activity) {
      out.push(v.activity === 'replying' ? `${name} started replying` : `${name} stopped replying`)
    }
    if (was.away !== v.away) out.push(v.away ? `${name} is away` : `${name} is back`)
  }
  for (const v of before) {
    if (!present.has(v.user.id)) out.push(`${v.user.name} left`)
  }
  return out
}
