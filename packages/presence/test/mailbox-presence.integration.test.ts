/**
 * The list page's client against the real relay: one socket to `mailbox/<m>`, the summaries of
 * every conversation of that mailbox, live, without the local agent.
 */
import { conversationRoom, isHeartbeatFrame, isKeepaliveFrame } from '@sightline/protocol'
import { describe, expect, it, onTestFinished } from 'vitest'
import {
  createMailboxPresence,
  type MailboxPresence,
  type MailboxPresenceOptions,
} from '../src/index.js'
import { FAST_CLIENT, join, RecordingWebSocket, startRelay, token } from './relay-fixtures.js'

const LIST_GRANTS = { rooms: ['mailbox/1', 'mailbox/1/*'] }

function openList(
  relay: { url: string },
  sub: string,
  options: Partial<MailboxPresenceOptions> = {},
): MailboxPresence {
  const list = createMailboxPresence({
    url: relay.url,
    mailboxId: 1,
    token: token(sub, LIST_GRANTS),
    WebSocket: RecordingWebSocket,
    environment: null,
    ...FAST_CLIENT,
    ...options,
  })
  onTestFinished(() => list.destroy())
  return list
}

/** `conversation: user:activity ...` per conversation, sorted: compact to compare. */
const rows = (list: MailboxPresence) =>
  [...list.conversations]
    .map(([c, viewers]) => `${c}: ${viewers.map((v) => `${v.user.id}:${v.activity}`).join(' ')}`)
    .sort()

describe('createMailboxPresence on the real relay', () => {
  it('follows every conversation of the mailbox live, without the local agent', async () => {
    const relay = await startRelay()
    const socketsBefore = RecordingWebSocket.instances.length
    const list = openList(relay, 'erin')
    await expect.poll(() => list.status).toBe('connected')
    expect(RecordingWebSocket.instances.length - socketsBefore).toBe(1)
    const changes: number[] = []
    list.subscribe((c) => changes.push(c.size))

    const alice = join(relay, conversationRoom(1, 'a'), 'alice')
    const bob = join(relay, conversationRoom(1, 'b'), 'bob')
    join(relay, conversationRoom(1, 'b'), 'carol')
    join(relay, conversationRoom(1, 'c'), 'erin')
    await expect
      .poll(() => rows(list))
      .toEqual(['a: alice:viewing', 'b: bob:viewing carol:viewing'])

    bob.setActivity('replying')
    await expect.poll(() => list.viewersOf('b')[0]?.activity).toBe('replying')
    expect(list.viewersOf('b').map((v) => v.user.id)).toEqual(['bob', 'carol'])
    const rowB = list.conversations.get('b')

    alice.destroy()
    await expect.poll(() => list.viewersOf('a')).toEqual([])
    expect(rows(list)).toEqual(['b: bob:replying carol:viewing'])
    // A row that did not change keeps its array; the list page never wrote a state.
    expect(list.conversations.get('b')).toBe(rowB)
    const listSocket = RecordingWebSocket.instances[socketsBefore]!
    // Liveness only: heartbeats, and keepalives while the summaries arrive.
    expect(listSocket.sent.every((f) => isHeartbeatFrame(f) || isKeepaliveFrame(f))).toBe(true)
    expect(changes[0]).toBe(0)
  })

  it('gets the whole mailbox at once when it opens after the agents', async () => {
    const relay = await startRelay()
    const alice = join(relay, conversationRoom(1, 'a'), 'alice')
    join(relay, conversationRoom(1, 'b'), 'bob')
    await expect.poll(() => alice.status).toBe('connected')
    alice.setActivity('replying')
    // A first list page proves both states reached the relay; the second one opens after.
    const first = openList(relay, 'dave')
    await expect.poll(() => rows(first)).toEqual(['a: alice:replying', 'b: bob:viewing'])
    const list = openList(relay, 'erin')
    const seen: string[][] = []
    list.subscribe(() => seen.push(rows(list)))
    await expect.poll(() => rows(list)).toEqual(['a: alice:replying', 'b: bob:viewing'])
    // One update carried both: the list never showed a half-filled mailbox.
    expect(seen.filter((s) => s.length > 0)[0]).toHaveLength(2)
  })

  it('clears when the relay goes away and fills again after it restarts on the same port', async () => {
    const relay = await startRelay()
    const list = openList(relay, 'erin')
    join(relay, conversationRoom(1, 'a'), 'alice')
    await expect.poll(() => rows(list)).toEqual(['a: alice:viewing'])
    await relay.close()
    await expect.poll(() => list.conversations.size).toBe(0)
    expect(list.status).not.toBe('connected')
    await startRelay({ port: relay.port })
    await expect.poll(() => rows(list), { timeout: 5000 }).toEqual(['a: alice:viewing'])
    expect(list.status).toBe('connected')
  })

  it('stops for good when the token does not grant the mailbox', async () => {
    const relay = await startRelay()
    const list = createMailboxPresence({
      url: relay.url,
      mailboxId: 2,
      token: token('erin', LIST_GRANTS),
      WebSocket: RecordingWebSocket,
      environment: null,
      ...FAST_CLIENT,
    })
    onTestFinished(() => list.destroy())
    await expect.poll(() => list.status).toBe('closed')
    expect(list.conversations.size).toBe(0)
  })
})
