/**
 * The shape of a catalogue: every sentence the elements show or speak, in one language
 * (`locales/*.ts` hold them; `messages.ts` picks one per element).
 */
import type { Activity } from '@sightline/protocol'

/**
 * Why a helpdesk binding says live presence is offline (the FreeScout module's marker): still
 * connecting, the relay unreachable, the relay refused the connection, the agent has no access,
 * or the helpdesk's token route gave no token.
 */
export type OfflineReason = 'connecting' | 'unreachable' | 'refused' | 'no-access' | 'no-token'

/** The sentences of one language. Durations come formatted by the catalogue's own `duration`. */
export interface Messages {
  /** The BCP 47 tag `Intl` formats numbers and lists with. */
  readonly locale: string
  /** "20 s", "3 min": a non-negative duration in its largest whole unit. */
  duration(ms: number): string
  /** "Bob is replying", "Bob is viewing (away)". */
  viewer(name: string, activity: Activity, away: boolean): string
  /** "Bob is replying (since 20 s)". */
  viewerSince(line: string, duration: string): string
  /** "Bob is already replying (since 20 s); Carol and Dave too" (`others` already a list). */
  alreadyReplying(name: string, duration: string | null, others: string | null): string
  /** The calm form for the agent who started first: "Bob is also replying (since 20 s)". */
  alsoReplying(name: string, duration: string | null, others: string | null): string
  /** "You started replying first" (`name` null: this agent) / "Bob started replying first". */
  startedFirst(name: string | null): string
  /** "Bob replied 20 s ago". */
  replied(name: string, ago: string): string
  /** What a screen reader hears for a reply, without the ticking time: "Bob replied". */
  repliedSpoken(name: string): string
  readonly dismiss: string
  /** The viewers group's accessible name. */
  readonly viewersLabel: string
  /** "2 more: Carol Diaz and Dave Okafor". */
  more(count: number, names: string): string
  joined(name: string): string
  startedReplying(name: string): string
  stoppedReplying(name: string): string
  away(name: string): string
  back(name: string): string
  left(name: string): string
  /** Sentences read out one after another: "A. B." in English, "A。B。" in Chinese. */
  sentences(parts: readonly string[]): string
  /** A viewer line of the helpdesk's own wording, marked away: "Bob is viewing (away)". */
  withAway(line: string): string
  /** The short marker a helpdesk binding shows while live presence is offline. */
  readonly presenceOffline: string
  /** The marker's tooltip: why (`offlineReason`), and that `helpdesk`'s own viewers show. */
  presenceOfflineDetail(reason: string, helpdesk: string): string
  /** "the relay refused the connection, close code 4401" (`closeCode` only for `refused`). */
  offlineReason(reason: OfflineReason, closeCode: number | null): string
  /** A send held for a collision: "Bob is replying now" (a sentence of the confirm). */
  replyingNow(name: string): string
  /** The question that ends that confirm. */
  readonly sendAnyway: string
}
