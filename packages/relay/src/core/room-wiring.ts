/**
 * What a room tells the rest of the relay once it has committed a change: one named slot per
 * listener, so two listeners cannot collide, and each room kind's wiring is a value made in
 * one place (`wireRooms` in relay-wiring.ts), not hooks merged at run time.
 *
 * After a room commits a change of its awareness states it, in this order:
 * 1. forwards the change to its peers (forward-window.ts);
 * 2. tells `bus` the states of this node's own tabs that changed (cluster mode: published to
 *    the other nodes; never states that came from another node);
 * 3. tells `summaries` that its states changed (a conversation's mailbox list summary).
 * A reply entry the relay wrote into the room document goes to `bus.reply` (cluster mode).
 */
import type { BusState } from '@sightline/protocol'

/** Mailbox summaries (mailbox-summaries.ts): a conversation's states changed. */
export interface StatesListener<R> {
  statesChanged(room: R): void
}

/** The cluster bus (cluster.ts): what this node's tabs wrote, for the other nodes. */
export interface BusListener<R> {
  /** States of this node's own tabs changed (written, or removed: json "null"). */
  ownStates(room: R, states: readonly BusState[]): void
  /** The relay wrote a reply entry (its JSON) into the room document. */
  reply(room: R, entryJson: string): void
}

/** `R`: the room type (room.ts `Room`; a parameter so that this file imports no room). */
export interface RoomWiring<R> {
  /**
   * False: a read-only room of relay-owned states (a mailbox list): client awareness entries
   * are forged writes, signals are refused (4405).
   */
  readonly clientStates: boolean
  readonly bus: BusListener<R> | null
  readonly summaries: StatesListener<R> | null
}

/** A room on its own: clients write states, nobody listens (unit tests, single rooms). */
export const UNWIRED: RoomWiring<never> = Object.freeze({
  clientStates: true,
  bus: null,
  summaries: null,
})
