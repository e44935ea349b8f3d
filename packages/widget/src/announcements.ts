/**
 * Turns two successive viewer lists into the sentences a screen reader should hear
 * ("Bob joined", "Bob started replying", "Bob is away", "Bob left"). Only changes are
 * announced; an unchanged list yields nothing.
 */
import type { Viewer } from '@sightline/protocol'
import { type Messages, messagesFor } from './messages.js'

/** Announcements for the step from `before` to `after`, joins and changes first, then leaves. */
export function describeChanges(
  before: readonly Viewer[],
  after: readonly Viewer[],
  m: Messages = messagesFor('en'),
): string[] {
  const previous = new Map(before.map((v) => [v.user.id, v]))
  const present = new Set(after.map((v) => v.user.id))
  const out: string[] = []
  for (const v of after) {
    const name = v.user.name
    const was = previous.get(v.user.id)
    if (was === undefined) {
      out.push(m.joined(name))
      if (v.activity === 'replying') out.push(m.startedReplying(name))
      if (v.away) out.push(m.away(name))
      continue
    }
    if (was.activity !== v.activity) {
      out.push(v.activity === 'replying' ? m.startedReplying(name) : m.stoppedReplying(name))
    }
    if (was.away !== v.away) out.push(v.away ? m.away(name) : m.back(name))
  }
  for (const v of before) {
    if (!present.has(v.user.id)) out.push(m.left(v.user.name))
  }
  return out
}
