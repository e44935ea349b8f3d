/** The demo helpdesk API as the app sees it (server/api.ts is the other side). */
import type { Conversation, Mailbox, Message } from '../shared/api-types.js'

export type { Conversation, Mailbox, Message } from '../shared/api-types.js'

import { loadSession, refreshToken } from './session.js'

export interface AgentSummary {
  readonly id: string
  readonly name: string
  readonly mailboxes: readonly Mailbox[]
}

/** A failed API call; `status` is the HTTP status (403: no access to that mailbox). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

async function call<T>(path: string, init: RequestInit = {}, retried = false): Promise<T> {
  const token = loadSession()?.token
  const headers = new Headers(init.headers)
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`)
  if (init.body !== undefined) headers.set('content-type', 'application/json')
  const res = await fetch(path, { ...init, headers })
  if (res.status === 401 && !retried && token !== undefined) {
    await refreshToken()
    return call(path, init, true)
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { message?: string }
    throw new ApiError(res.status, body.message ?? `HTTP ${res.status}`)
  }
  return (await res.json()) as T
}

const conversationsPath = (mailboxId: string) =>
  `/api/mailboxes/${encodeURIComponent(mailboxId)}/conversations`

export function listAgents() {
  return call<{ agents: AgentSummary[] }>('/api/agents')
}

export function listConversations(mailboxId: string) {
  return call<{ mailbox: Mailbox; conversations: Conversation[] }>(conversationsPath(mailboxId))
}

export function getConversation(mailboxId: string, conversationId: string) {
  return call<{ mailbox: Mailbox; conversation: Conversation }>(
    `${conversationsPath(mailboxId)}/${encodeURIComponent(conversationId)}`,
  )
}

export function sendReply(mailboxId: string, conversationId: string, body: string) {
  return call<{ message: Message }>(
    `${conversationsPath(mailboxId)}/${encodeURIComponent(conversationId)}/replies`,
    { method: 'POST', body: JSON.stringify({ body }) },
  )
}
