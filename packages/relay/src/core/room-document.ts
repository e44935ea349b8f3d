/**
 * A room's Yjs document, written by the relay alone. It holds the reply log (see
 * `@sightline/protocol` reply-log.ts) and nothing a client wrote: clients announce a sent
 * reply with a signal, and the relay appends the entry with the sender's token identity and
 * its own clock. No client-supplied Yjs structure is ever integrated, so no update can make
 * the relay resolve conflicts, keep pending structs or create sub-documents.
 *
 * What a client can still make the relay do here, per frame:
 * - sync step 1: decode its state vector (linear in its bytes) and encode the difference from
 *   a document of at most MAX_REPLIES small entries, or send the cached full state;
 * - a reply signal: one append of a constant-size entry, at most REPLY_SIGNAL_BURST at once
 *   and one per second after that per connection (more are dropped).
 *
 * The document is bounded by construction (MAX_REPLIES entries of bounded size; Yjs merges
 * the deleted ones into one struct), so it needs no size limit of its own.
 */
import {
  EMPTY_SYNC_STEP2_FRAME,
  encodeSyncStep2Frame,
  encodeSyncUpdateFrame,
  MAX_REPLIES,
  REPLIES_KEY,
  type ReplyEntry,
  readReplyEntry,
  replyEntryKey,
} from '@sightline/protocol'
import * as Y from 'yjs'
import { RelayError, RelayErrorCode } from '../errors.js'

/**
 * Reply signals a connection may send at once (a person sending two short replies in a row);
 * after that one per second, and the rest are dropped.
 */
export const REPLY_SIGNAL_BURST = 5

/** A sync update with no structs and an empty delete set: what an up-to-date client sends. */
export function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === 2 && update[0] === 0 && update[1] === 0
}

/**
 * The relay-written document's guid. Yjs only reads it for sub-documents, which this never is;
 * without one, every Y.Doc draws a random UUID, a cost a restart storm pays for every room at
 * once (figures: docs/performance.md#measurements-behind-code-decisions).
 */
const DOC_GUID = 'sightline-room'

export class RoomDocument {
  /**
   * Made with the first reply entry: until then the document is empty and every answer is
   * the same constant frame, so a room without replies (most rooms) holds no Y.Doc.
   */
  #doc: Y.Doc | null = null
  #log: Y.Array<ReplyEntry> | null = null
  readonly #onChange: (frame: Uint8Array) => void
  /** Sync step 2 of the whole document; made on first need after each change. */
  #fullState: Uint8Array | null = null
  /** The last `at` handed out: relay clocks strictly rise within a room. */
  #lastAt = 0

  /** `onChange` receives each change as a ready sync update frame for every peer. */
  constructor(onChange: (frame: Uint8Array) => void) {
    this.#onChange = onChange
  }

  #logOf(): { doc: Y.Doc; log: Y.Array<ReplyEntry> } {
    if (this.#doc !== null && this.#log !== null) return { doc: this.#doc, log: this.#log }
    const doc = new Y.Doc({ guid: DOC_GUID })
    doc.on('update', (update: Uint8Array) => {
      this.#fullState = null
      this.#onChange(encodeSyncUpdateFrame(update))
    })
    const log = doc.getArray<ReplyEntry>(REPLIES_KEY)
    this.#doc = doc
    this.#log = log
    return { doc, log }
  }

  /** Sync step 2 with the whole document (what a newcomer gets on join). */
  fullStateFrame(): Uint8Array {
    // A room without replies answers and sends on join the empty document's step 2.
    if (this.#doc === null) return EMPTY_SYNC_STEP2_FRAME
    this.#fullState ??= encodeSyncStep2Frame(Y.encodeStateAsUpdate(this.#doc))
    return this.#fullState
  }

  /**
   * The answer to a sync step 1: what the document has beyond `stateVector`. Throws RelayError
   * `bad_frame` when the state vector is malformed.
   */
  answerStep1(stateVector: Uint8Array): Uint8Array {
    let known: Map<number, number>
    try {
      known = Y.decodeStateVector(stateVector)
    } catch (cause) {
      throw new RelayError(RelayErrorCode.BadFrame, 'malformed state vector', { cause })
    }
    // Most askers know nothing of this document yet (it is made anew with each room).
    if (this.#doc === null || !known.has(this.#doc.clientID)) return this.fullStateFrame()
    return encodeSyncStep2Frame(Y.encodeStateAsUpdate(this.#doc, stateVector))
  }

  /** Appends a reply entry stamped with the relay's clock; keeps the last MAX_REPLIES. */
  appendReply(entry: Omit<ReplyEntry, 'at'>): ReplyEntry {
    this.#lastAt = Math.max(this.#lastAt + 1, Date.now())
    const stamped: ReplyEntry = { ...entry, at: this.#lastAt }
    this.#append([stamped])
    return stamped
  }

  /**
   * Adds entries another relay node wrote (cluster mode; JSON texts from the bus), skipping
   * invalid ones and those already here, keeping the last MAX_REPLIES.
   */
  addEntries(texts: readonly string[]): void {
    const known = new Set((this.#log?.toArray() ?? []).map(replyEntryKey))
    const fresh: ReplyEntry[] = []
    for (const text of texts) {
      let entry: ReplyEntry | null
      try {
        entry = readReplyEntry(JSON.parse(text))
      } catch {
        entry = null
      }
      if (entry === null || known.has(replyEntryKey(entry))) continue
      known.add(replyEntryKey(entry))
      fresh.push(entry)
    }
    if (fresh.length > 0) this.#append(fresh)
  }

  /** Appends `entries` in one transaction, keeping the last MAX_REPLIES. */
  #append(entries: ReplyEntry[]): void {
    const { doc, log } = this.#logOf()
    doc.transact(() => {
      log.push(entries)
      const excess = log.length - MAX_REPLIES
      if (excess > 0) log.delete(0, excess)
    })
  }

  /** The log's entries as JSON texts (what another node asks for in cluster mode). */
  entries(): string[] {
    return (this.#log?.toArray() ?? []).map((e) => JSON.stringify(e))
  }

  destroy(): void {
    this.#doc?.destroy()
  }
}
