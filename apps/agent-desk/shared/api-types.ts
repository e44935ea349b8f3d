/**
 * The demo helpdesk API's data, as the desk server sends it and the app reads it: one
 * definition for both sides of `/api/*`.
 */

export interface Mailbox {
  readonly id: string
  readonly name: string
}

export interface Message {
  readonly id: string
  readonly author: { readonly kind: 'customer' | 'agent'; readonly name: string }
  readonly body: string
  /** ISO 8601 timestamp. */
  readonly at: string
}

export interface Conversation {
  readonly id: string
  readonly mailboxId: string
  readonly subject: string
  readonly customer: { readonly name: string; readonly email: string }
  readonly status: 'active' | 'pending' | 'closed'
  readonly messages: readonly Message[]
}
