/**
 * The words Sightline uses for a viewer, in one place so the visible labels, tooltips,
 * aria-labels and badges all say the same thing.
 */
import type { Viewer } from '@sightline/protocol'

/** "Bob is replying", "Bob is viewing (away)". */
export function viewerLine(v: Viewer): string {
  return `${v.user.name} is ${v.activity}${v.away ? ' (away)' : ''}`
}

/** "Bob is replying (since 20 s)": the tooltip line, with the time already formatted. */
export function viewerDetail(v: Viewer, since: string): string {
  return `${viewerLine(v)} (since ${since})`
}

/** "Bob", "Bob and Carol", "Bob, Carol and Dave". */
export function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? ''
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
}
