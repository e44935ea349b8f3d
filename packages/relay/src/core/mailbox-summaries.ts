/**
 * Live presence for mailbox lists. The relay derives a summary of each conversation room
 * `mailbox/<m>/conversation/<c>` into the mailbox room `mailbox/<m>`, as relay-owned awareness
 * states: one client ID per conversation with viewers, whose state is
 * `{ "conversation": "<c>", "viewers": foldViewers(states of the conversation room) }`
 * (protocol `mailbox-summary.ts`), and null once nobody is left. Clients may not write any
 * awareness state in a mailbox room, so no one can forge a summary; the viewers in it passed
 * the conversation room's identity checks.
 *
 * Cost: a change in a conversation room marks its summary dirty (a map lookup, and only when
 * someone has the mailbox list open). One relay-wide timer flushes dirty summaries at most
 * every `flushIntervalMs`, one frame per mailbox room holding every summary that changed, so a
 * list page receives at most 1000 / flushIntervalMs frames per second whatever the load.
 * While nobody has a mailbox list open nothing is derived; the first list page that opens it
 * gets every current summary in the join snapshot.
 *
 * Clocks and refresh are the awareness table's: a summary is a state like any other, owned by
 * a relay owner that is never a connection, so the sweep refreshes it and it never expires.
 */
import {
  type AwarenessEntry,
  encodeAwarenessFrame,
  foldViewers,
  mailboxSummaryJson,
  type PresenceState,
  parseRoom,
  readPresenceState,
  type Timer,
} from '@sightline/protocol'
import { NULL_STATE } from './awareness-table.js'
import { type Room, standInOwner } from './room.js'
import type { StatesListener } from './room-wiring.js'

/** Default period (ms) of the summary flush: the most often a list page hears of changes. */
export const SUMMARY_FLUSH_MS = 100

/** One conversation of a mailbox, while its room exists or its summary is still shown. */
interface Slot {
  readonly mailbox: MailboxEntry
  readonly conversationId: string
  /** The relay-owned client ID of this summary in the mailbox room. */
  readonly clientId: number
  room: Room | null
  /** The summary JSON the mailbox room holds for it (NULL_STATE when none). */
  published: string
}

interface MailboxEntry {
  readonly id: string
  /** The mailbox room, while a list page has it open. */
  list: Room | null
  readonly slots: Map<string, Slot>
  /** Client IDs of conversations that went away, reused first (their clocks keep rising). */
  readonly freeIds: number[]
  nextId: number
}

export interface MailboxSummariesOptions {
  /** Flush period, ms. Default `SUMMARY_FLUSH_MS`. */
  readonly flushIntervalMs?: number | undefined
}

/** Derives conversation summaries into mailbox rooms; one per relay (see the file header). */
export class MailboxSummaries implements StatesListener<Room> {
  readonly #mailboxes = new Map<string, MailboxEntry>()
  readonly #slotOf = new Map<Room, Slot>()
  readonly #dirty = new Set<Slot>()
  /** The owner of every summary: not a connection, so nothing ever releases or echoes it. */
  readonly #owner = standInOwner('relay', 'relay', false)
  readonly #flushIntervalMs: number
  #timer: Timer | null = null

  constructor(options: MailboxSummariesOptions = {}) {
    this.#flushIntervalMs = options.flushIntervalMs ?? SUMMARY_FLUSH_MS
  }

  created(room: Room): void {
    const parsed = parseRoom(room.name)
    if (parsed?.kind === 'conversation') {
      const mailbox = this.#mailbox(parsed.mailboxId)
      let slot = mailbox.slots.get(parsed.conversationId)
      if (slot === undefined) {
        slot = {
          mailbox,
          conversationId: parsed.conversationId,
          clientId: mailbox.freeIds.pop() ?? mailbox.nextId++,
          room,
          published: NULL_STATE,
        }
        mailbox.slots.set(parsed.conversationId, slot)
      }
      slot.room = room
      this.#slotOf.set(room, slot)
    } else if (parsed?.kind === 'mailbox') {
      const mailbox = this.#mailbox(parsed.mailboxId)
      mailbox.list = room
      // No peer has joined yet: the first list page receives these in its join snapshot.
      for (const slot of mailbox.slots.values()) {
        const json = summaryOf(slot)
        if (json === NULL_STATE) continue
        room.awareness.commit(this.#owner, slot.clientId, json)
        slot.published = json
      }
    }
  }

  deleted(room: Room): void {
    const slot = this.#slotOf.get(room)
    if (slot !== undefined) {
      this.#slotOf.delete(room)
      if (slot.room !== room) return
      slot.room = null
      if (slot.mailbox.list === null || slot.published === NULL_STATE) this.#free(slot)
      else this.#markDirty(slot)
      return
    }
    const parsed = parseRoom(room.name)
    const mailbox = parsed?.kind === 'mailbox' ? this.#mailboxes.get(parsed.mailboxId) : undefined
    if (mailbox === undefined || mailbox.list !== room) return
    mailbox.list = null
    for (const s of [...mailbox.slots.values()]) {
      s.published = NULL_STATE
      if (s.room === null) this.#free(s)
    }
    if (mailbox.slots.size === 0) this.#mailboxes.delete(mailbox.id)
  }

  /** Mailboxes and conversations held in memory (0 once every room is gone). */
  get tracked(): number {
    let n = this.#mailboxes.size
    for (const mailbox of this.#mailboxes.values()) n += mailbox.slots.size
    return n
  }

  /** Stops the flush timer (relay shutdown). */
  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    this.#dirty.clear()
  }

  /** The hot path: called after every awareness change of a conversation room. */
  statesChanged(room: Room): void {
    const slot = this.#slotOf.get(room)
    if (slot !== undefined && slot.mailbox.list !== null) this.#markDirty(slot)
  }

  #markDirty(slot: Slot): void {
    this.#dirty.add(slot)
    if (this.#timer !== null) return
    this.#timer = setTimeout(() => this.#flush(), this.#flushIntervalMs)
    this.#timer.unref?.()
  }

  #flush(): void {
    this.#timer = null
    const frames = new Map<Room, AwarenessEntry[]>()
    for (const slot of this.#dirty) {
      const list = slot.mailbox.list
      if (list === null) continue
      const json = summaryOf(slot)
      if (json !== slot.published) {
        slot.published = json
        const entries = frames.get(list) ?? []
        entries.push(list.awareness.commit(this.#owner, slot.clientId, json))
        frames.set(list, entries)
      }
      if (slot.room === null) this.#free(slot)
    }
    this.#dirty.clear()
    for (const [list, entries] of frames) {
      list.broadcast(encodeAwarenessFrame(entries), this.#owner)
    }
  }

  #mailbox(id: string): MailboxEntry {
    let mailbox = this.#mailboxes.get(id)
    if (mailbox === undefined) {
      mailbox = { id, list: null, slots: new Map(), freeIds: [], nextId: 1 }
      this.#mailboxes.set(id, mailbox)
    }
    return mailbox
  }

  /** Forgets a conversation that has no room and no summary shown any more. */
  #free(slot: Slot): void {
    const mailbox = slot.mailbox
    this.#dirty.delete(slot)
    if (mailbox.slots.get(slot.conversationId) !== slot) return
    mailbox.slots.delete(slot.conversationId)
    mailbox.freeIds.push(slot.clientId)
    if (mailbox.slots.size === 0 && mailbox.list === null) this.#mailboxes.delete(mailbox.id)
  }
}

/** The summary JSON of a conversation now: NULL_STATE when nobody is on it. */
function summaryOf(slot: Slot): string {
  if (slot.room === null) return NULL_STATE
  const states: PresenceState[] = []
  for (const json of slot.room.awareness.liveStates()) {
    const state = readPresenceState(JSON.parse(json))
    if (state !== null) states.push(state)
  }
  if (states.length === 0) return NULL_STATE
  return mailboxSummaryJson({ conversation: slot.conversationId, viewers: foldViewers(states) })
}
