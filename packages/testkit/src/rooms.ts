/** Room names no other test uses, inside the `mailbox/1/*` grant. */
import { conversationRoom } from '@sightline/protocol'

let rooms = 0

/**
 * A conversation room unique to this process (test files run in separate processes, and the
 * pid keeps two of them sharing one relay apart).
 */
export function uniqueRoom(): string {
  return conversationRoom(1, `${process.pid}-${++rooms}`)
}
