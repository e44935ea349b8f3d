/**
 * Signals: small messages a client sends to the relay so that the relay, not the client,
 * writes something into the room. The relay takes the sender's identity from its token and
 * the time from its own clock, so nobody can sign a signal with another agent's name.
 *
 *   [varUint 100 signal][varUint kind]
 *
 *   kind 0 reply-sent: "this agent just sent a reply" (no payload). The relay appends
 *          { userId, name, avatar?, at, clientId } to the room's reply log (reply-log.ts).
 *
 * Only the relay reads signals; it never sends one. A stock y-websocket client never sends
 * one either (it has no use for them), so the type number is far from y-websocket's 0-3.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { MessageType } from './message-type.js'

export const SignalKind = Object.freeze({
  /** The sender just sent a reply to the customer. */
  ReplySent: 0,
} as const)

export type SignalKind = (typeof SignalKind)[keyof typeof SignalKind]

/** Writes a signal frame of `kind`. */
export function writeSignal(encoder: encoding.Encoder, kind: SignalKind): void {
  encoding.writeVarUint(encoder, MessageType.Signal)
  encoding.writeVarUint(encoder, kind)
}

/** A signal frame of `kind`, ready to send. */
export function encodeSignalFrame(kind: SignalKind): Uint8Array {
  const encoder = encoding.createEncoder()
  writeSignal(encoder, kind)
  return encoding.toUint8Array(encoder)
}

/**
 * Reads the kind of a signal whose type byte was already read. Throws a RangeError on an
 * unknown kind (a newer client's signal this relay does not know is refused, not guessed at).
 */
export function readSignal(decoder: decoding.Decoder): SignalKind {
  const kind = decoding.readVarUint(decoder)
  if (kind !== SignalKind.ReplySent) throw new RangeError(`unknown signal kind ${kind}`)
  return kind
}
