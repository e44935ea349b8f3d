/**
 * Who is on each conversation of a mailbox, read from the relay's summaries (protocol
 * `mailbox-summary.ts`): applies summary entries by y-protocols' rules (a higher clock wins;
 * an equal clock only for a removal) and publishes one map, conversation -> other agents.
 */
import { type AwarenessEntry, readMailboxSummary, type Viewer } from '@sightline/protocol'
import { createObservable, type Observable, sameJson } from './observable.js'

/** Conversation id -> other agents on it (fold order); conversations nobody else is on are absent. */
export type MailboxConversations = ReadonlyMap<string, readonly Viewer[]>

/** Summary entry as last applied: its relay clock and the conversation it named. */
interface Entry {
  readonly clock: number
  readonly conversation: string | null
}

export class ConversationTable {
  /** A new map on every change: each change is published as it is made. */
  readonly conversations: Observable<MailboxConversations> = createObservable<MailboxConversations>(
    new Map(),
  )
  readonly #entries = new Map<number, Entry>()
  /** The local agent, left out of every list. */
  readonly #userId: string

  constructor(userId: string) {
    this.#userId = userId
  }

  /** Applies the entries of one awareness update from the mailbox room. */
  apply(entries: readonly AwarenessEntry[]): void {
    const next = new Map(this.conversations.value)
    let changed = false
    for (const entry of entries) changed = this.#applyEntry(next, entry) || changed
    if (changed) this.conversations.set(next)
  }

  /** The connection is lost: the relay sends every current summary again on the next socket. */
  forgetAll(): void {
    this.#entries.clear()
    if (this.conversations.value.size > 0) this.conversations.set(new Map())
  }

  /** Forgets everything and every subscriber. */
  destroy(): void {
    this.#entries.clear()
    this.conversations.clear()
    this.conversations.set(new Map())
  }

  /** Applies one entry to `next`; true when `next` changed. */
  #applyEntry(next: Map<string, readonly Viewer[]>, e: AwarenessEntry): boolean {
    const prev = this.#entries.get(e.clientId)
    const isNull = e.json === 'null'
    if (prev !== undefined && !(e.clock > prev.clock || (e.clock === prev.clock && isNull))) {
      return false
    }
    const summary = isNull ? null : readMailboxSummary(parse(e.json))
    this.#entries.set(e.clientId, { clock: e.clock, conversation: summary?.conversation ?? null })
    let changed = false
    if (prev?.conversation != null && prev.conversation !== summary?.conversation) {
      changed = next.delete(prev.conversation)
    }
    if (summary === null) return changed
    const viewers = summary.viewers.filter((v) => v.user.id !== this.#userId)
    const before = next.get(summary.conversation)
    if (viewers.length === 0) return next.delete(summary.conversation) || changed
    if (before !== undefined && sameJson(before, viewers)) return changed
    // Filtering keeps the relay's fold order (replying first).
    next.set(summary.conversation, Object.freeze(viewers))
    return true
  }
}

function parse(json: string): unknown {
  try {
    return JSON.parse(json)
  } catch {
    return null
  }
}
