/**
 * The summary of one conversation as the relay publishes it in its mailbox room
 * (`mailbox/<m>`). Each conversation of the mailbox that has viewers holds one awareness entry
 * there, under a client ID the relay owns; its state (JSON) is
 *
 *   { "conversation": "<conversationId>", "viewers": Viewer[] }
 *
 * where `viewers` is `foldViewers` of the conversation room's states: one entry per agent,
 * replying first. The entry becomes null when the conversation's last viewer leaves. Clients
 * never write in a mailbox room; only the relay derives these states, so none can be forged.
 */
import type { Viewer } from './fold-viewers.js'
import { readPresenceState } from './presence-state.js'

export interface MailboxSummary {
  /** The conversation id (the last segment of its room name). */
  readonly conversation: string
  /** Who is on it, in `foldViewers` order. */
  readonly viewers: readonly Viewer[]
}

/** Limits applied when reading a summary: a conversation id is one room-name segment. */
export const MailboxSummaryLimits = Object.freeze({ conversationLength: 64, viewers: 1000 })

/** The JSON text of `summary`, as the relay writes it into an awareness entry. */
export function mailboxSummaryJson(summary: MailboxSummary): string {
  return JSON.stringify({ conversation: summary.conversation, viewers: summary.viewers })
}

/**
 * Checks that `value` (a parsed awareness state of a mailbox room) is a valid summary and
 * returns a clean copy holding only known fields, or `null` when it is not one.
 */
export function readMailboxSummary(value: unknown): MailboxSummary | null {
  if (typeof value !== 'object' || value === null) return null
  const v = value as Record<string, unknown>
  const conversation = v['conversation']
  if (typeof conversation !== 'string') return null
  if (conversation.length === 0 || conversation.length > MailboxSummaryLimits.conversationLength)
    return null
  const list = v['viewers']
  if (!Array.isArray(list) || list.length > MailboxSummaryLimits.viewers) return null
  const viewers: Viewer[] = []
  for (const item of list) {
    const viewer = readViewer(item)
    if (viewer === null) return null
    viewers.push(viewer)
  }
  return { conversation, viewers }
}

function readViewer(value: unknown): Viewer | null {
  // A viewer is a presence state plus a tab count: the state rules check the shared fields.
  const state = readPresenceState(value)
  if (state === null) return null
  const tabs = (value as Record<string, unknown>)['tabs']
  if (typeof tabs !== 'number' || !Number.isInteger(tabs) || tabs < 1) return null
  return { ...state, tabs }
}
