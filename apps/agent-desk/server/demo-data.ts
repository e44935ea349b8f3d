/**
 * The demo helpdesk: agents, mailboxes and conversations the desk server pretends to own.
 * Frozen seed data; replies sent during a run live in the store a server handle creates
 * (`createDemoStore`), never in module state, so two servers in one process stay apart.
 */

import type { Conversation, Mailbox, Message } from '../shared/api-types.js'

export type { Conversation, Mailbox, Message }

export interface DemoAgent {
  readonly id: string
  readonly name: string
  /** Mailbox ids this agent may open; the token grants exactly these rooms. */
  readonly mailboxIds: readonly string[]
}

export const demoAgents: readonly DemoAgent[] = Object.freeze([
  { id: 'alice', name: 'Alice Martin', mailboxIds: ['1', '2'] },
  { id: 'bob', name: 'Bob Chen', mailboxIds: ['1', '2'] },
  { id: 'carol', name: 'Carol Diaz', mailboxIds: ['1', '2'] },
  { id: 'dave', name: 'Dave Okafor', mailboxIds: ['1', '2'] },
  { id: 'erin', name: 'Erin Walsh', mailboxIds: ['1'] },
])

export const demoMailboxes: readonly Mailbox[] = Object.freeze([
  { id: '1', name: 'Support' },
  { id: '2', name: 'Billing' },
])

type Seed = [id: string, subject: string, customer: string, thread: string[]]

const seeds: Record<string, Seed[]> = {
  '1': [
    [
      '101',
      'Cannot log in after password reset',
      'Nina Patel',
      [
        'Hi, I reset my password this morning and now the login page just reloads.',
        'Sorry about that, Nina. Could you tell us which browser you are using?',
        'Firefox 128 on Windows. Same thing in a private window.',
      ],
    ],
    [
      '102',
      'Export to CSV cuts off long notes',
      'Marco Rossi',
      ['When I export tickets to CSV, notes longer than a paragraph are truncated.'],
    ],
    [
      '103',
      'Feature request: dark mode',
      'Lena Fischer',
      [
        'Any plans for a dark theme? We work night shifts.',
        'It is on our roadmap for this quarter. I will keep you posted.',
      ],
    ],
    [
      '104',
      'Email notifications arrive twice',
      'Tom Becker',
      [
        'Every notification email reaches me twice, a minute apart.',
        'Do both copies come from the same address?',
        'Yes, both from notifications@.',
      ],
    ],
    [
      '105',
      'How do I add a second admin?',
      'Aiko Tanaka',
      ['Our admin is leaving. How can I make a colleague an admin too?'],
    ],
    [
      '106',
      'Attachment upload fails over 10 MB',
      'Sam Wilson',
      [
        'Uploading a 12 MB PDF fails with "request entity too large".',
        'The limit is 10 MB per file today. Could you split the document?',
      ],
    ],
  ],
  '2': [
    [
      '201',
      'Charged twice for March',
      'Olivia Brown',
      [
        'My card was charged twice on March 1st for the same plan.',
        'I can see both charges. I am refunding the duplicate now.',
      ],
    ],
    [
      '202',
      'Invoice needs our VAT number',
      'Jonas Berg',
      ['Please add our VAT number SE556677889901 to the last invoice.'],
    ],
    [
      '203',
      'Switch from monthly to yearly',
      'Priya Singh',
      [
        'Can we switch to yearly billing without losing our discount?',
        'Yes. The discount carries over; the switch happens at your next renewal.',
      ],
    ],
    [
      '204',
      'Card declined on renewal',
      'Lucas Moreau',
      ['Our renewal failed: card declined. The card works elsewhere.'],
    ],
    [
      '205',
      'Refund for unused seats',
      'Emma Davis',
      [
        'We removed five seats last week. Are those refunded pro rata?',
        'They are credited to your next invoice.',
        'Could we get a refund to the card instead?',
      ],
    ],
    [
      '206',
      'Receipt in another currency',
      'Mateo Garcia',
      ['Is it possible to receive receipts in EUR rather than USD?'],
    ],
  ],
}

const supportAgents = ['Alice Martin', 'Bob Chen', 'Carol Diaz']

function seedConversation(mailboxId: string, [id, subject, customer, thread]: Seed, n: number) {
  const email = `${customer.toLowerCase().replace(/[^a-z]+/g, '.')}@example.com`
  const start = Date.UTC(2025, 2, 3 + n, 8, 15)
  const messages: Message[] = thread.map((body, i) => ({
    id: `${id}-${i + 1}`,
    author:
      i % 2 === 0
        ? { kind: 'customer', name: customer }
        : { kind: 'agent', name: supportAgents[n % supportAgents.length]! },
    body,
    at: new Date(start + i * 47 * 60_000).toISOString(),
  }))
  const status = messages.length % 2 === 0 ? 'pending' : 'active'
  return { id, mailboxId, subject, customer: { name: customer, email }, status, messages } as const
}

export const demoConversations: readonly Conversation[] = Object.freeze(
  Object.entries(seeds).flatMap(([mailboxId, list]) =>
    list.map((seed, n) => seedConversation(mailboxId, seed, n)),
  ),
)

/** The mailbox ids an agent may open, in mailbox order. */
export function mailboxesOf(agent: DemoAgent): Mailbox[] {
  return demoMailboxes.filter((m) => agent.mailboxIds.includes(m.id))
}
