/**
 * The all-in-one embed bundle for pages without a build step (server-rendered helpdesks such
 * as FreeScout): one script tag gives the custom elements (registered on load), the presence
 * clients (one conversation's, and a mailbox list's) and the room helpers, under the global
 * `Sightline` in the IIFE build.
 */
export {
  createMailboxPresence,
  createPresence,
  type MailboxConversations,
  type MailboxPresence,
  type MailboxPresenceOptions,
  type PresenceClient,
  type PresenceOptions,
} from '@sightline/presence'
export { conversationRoom, foldViewers, mailboxRoom } from '@sightline/protocol'
export * from './index.js'
