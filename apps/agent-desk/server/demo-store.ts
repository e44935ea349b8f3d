/**
 * One desk server's view of the demo data: the frozen seed plus replies sent while it runs.
 * Unknown conversation ids inside a mailbox resolve to an empty conversation, so end-to-end
 * tests can give every test a room of its own without seeding anything.
 */
import { type Conversation, demoConversations, type Message } from './demo-data.js'

/** Conversation ids the demo accepts: one room-name segment, without dots. */
const CONVERSATION_ID = /^[A-Za-z0-9_-]{1,64}$/

export interface DemoStore {
  /** The seeded conversations of a mailbox, with replies sent since start. */
  list(mailboxId: string): Conversation[]
  /** A conversation by id; an empty one for an unknown but well-formed id; null otherwise. */
  get(mailboxId: string, conversationId: string): Conversation | null
  /** Appends an agent reply; null when the id is not well-formed. */
  reply(mailboxId: string, conversationId: string, agentName: string, body: string): Message | null
}

export function createDemoStore(now: () => number = Date.now): DemoStore {
  const replies = new Map<string, Message[]>()
  const key = (mailboxId: string, conversationId: string) => `${mailboxId}/${conversationId}`

  function get(mailboxId: string, conversationId: string): Conversation | null {
    if (!CONVERSATION_ID.test(conversationId)) return null
    const seeded = demoConversations.find(
      (c) => c.mailboxId === mailboxId && c.id === conversationId,
    )
    const base: Conversation = seeded ?? {
      id: conversationId,
      mailboxId,
      subject: `Conversation ${conversationId}`,
      customer: { name: 'Test Customer', email: 'customer@example.com' },
      status: 'active',
      messages: [],
    }
    const added = replies.get(key(mailboxId, conversationId)) ?? []
    return added.length === 0 ? base : { ...base, messages: [...base.messages, ...added] }
  }

  return {
    list(mailboxId) {
      return demoConversations
        .filter((c) => c.mailboxId === mailboxId)
        .map((c) => get(mailboxId, c.id)!)
    },
    get,
    reply(mailboxId, conversationId, agentName, body) {
      if (!CONVERSATION_ID.test(conversationId)) return null
      const list = replies.get(key(mailboxId, conversationId)) ?? []
      const message: Message = {
        id: `${conversationId}-r${list.length + 1}`,
        author: { kind: 'agent', name: agentName },
        body,
        at: new Date(now()).toISOString(),
      }
      list.push(message)
      replies.set(key(mailboxId, conversationId), list)
      return message
    },
  }
}
