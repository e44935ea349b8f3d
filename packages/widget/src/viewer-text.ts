/**
 * The words Sightline uses for a viewer, in one place so the visible labels, tooltips,
 * aria-labels and badges all say the same thing. Each takes the catalogue to speak from
 * (default English).
 */
import type { Viewer } from '@sightline/protocol'
import { formatList, type Messages, messagesFor } from './messages.js'

const english = messagesFor('en')

/** "Bob is replying", "Bob is viewing (away)". */
export function viewerLine(v: Viewer, messages: Messages = english): string {
  return messages.viewer(v.user.name, v.activity, v.away)
}

/** "Bob is replying (since 20 s)": the tooltip line, with the time already formatted. */
export function viewerDetail(v: Viewer, since: string, messages: Messages = english): string {
  return messages.viewerSince(viewerLine(v, messages), since)
}

/** "Bob", "Bob and Carol", "Bob, Carol, and Dave" (`Intl.ListFormat`). */
export function joinNames(names: readonly string[], messages: Messages = english): string {
  return formatList(messages, names)
}
