/** The client alone, against the in-memory fake relay: state out, fold in, no echo, leaving. */
import { encodeAwarenessFrame } from '@sightline/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { createPresence, type PresenceClient } from '../src/index.js'
import { sendable } from '../src/websocket-like.js'
import { createFakePage } from './fake-environment.js'
import { createFakeNetwork, type FakeNetwork, fakeToken, sentEntries } from './fake-network.js'

const ROOM = 'mailbox/1/conversation/7'
const clients: PresenceClient[] = []
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy()
})

function join(
  network: FakeNetwork,
  sub: string,
  extra: Partial<Parameters<typeof createPresence>[0]> = {},
) {
  const client = createPresence({
    url: 'ws://relay.test',
    room: ROOM,
    token: fakeToken({ sub, name: sub.toUpperCase(), exp: Date.now() / 1000 + 3600 }),
    WebSocket: network.WebSocket,
    environment: null,
    ...extra,
  })
  clients.push(client)
  return client
}

const viewersOf = (client: PresenceClient) =>
  client.others.map((v) => `${v.user.id}:${v.activity}:${v.away ? 'away' : 'here'}:${v.tabs}`)

describe('createPresence (in-process)', () => {
  it('puts the user from the token into its state and sees the others', async () => {
    const network = createFakeNetwork()
    const alice = join(network, 'alice')
    const bob = join(network, 'bob')
    expect(alice.user).toEqual({ id: 'alice', name: 'ALICE' })
    await expect.poll(() => viewersOf(alice)).toEqual(['bob:viewing:here:1'])
    await expect.poll(() => viewersOf(bob)).toEqual(['alice:viewing:here:1'])
    expect(alice.status).toBe('connected')
  })

  it('folds two tabs of one agent into one viewer: replying wins, away only if all tabs are', async () => {
    const network = createFakeNetwork()
    const observer = join(network, 'olga')
    const tab1 = join(network, 'alice')
    const tab2 = join(network, 'alice')
    await expect.poll(() => viewersOf(observer)).toEqual(['alice:viewing:here:2'])
    // the local user's other tab is not an "other agent"
    await expect.poll(() => viewersOf(tab1)).toEqual(['olga:viewing:here:1'])

    tab2.setActivity('replying')
    await expect.poll(() => viewersOf(observer)).toEqual(['alice:replying:here:2'])

    // One tab away, the other not: still here. The fake relay serves frames in the order they
    // were sent, so once the observer sees the control agent's later change it has applied
    // tab1's away state too.
    const control = join(network, 'carol')
    await expect.poll(() => viewersOf(observer)).toContain('carol:viewing:here:1')
    tab1.setAway(true)
    await expect
      .poll(() => JSON.parse(network.states(ROOM).get(tab1.clientId)!.json).away)
      .toBe(true)
    control.setActivity('replying')
    await expect.poll(() => viewersOf(observer)).toContain('carol:replying:here:1')
    expect(viewersOf(observer)).toContain('alice:replying:here:2')
    control.destroy()
    await expect.poll(() => viewersOf(observer)).toEqual(['alice:replying:here:2'])
    tab2.setAway(true)
    await expect.poll(() => viewersOf(observer)).toEqual(['alice:replying:away:2'])

    tab2.destroy()
    await expect.poll(() => viewersOf(observer)).toEqual(['alice:viewing:away:1'])
    tab1.destroy()
    await expect.poll(() => viewersOf(observer)).toEqual([])
  })

  it('notifies subscribers only when the folded list changes', async () => {
    const network = createFakeNetwork()
    const observer = join(network, 'olga')
    const seen: string[][] = []
    observer.subscribe((others) => seen.push(others.map((v) => `${v.user.id}:${v.activity}`)))
    const tab1 = join(network, 'alice')
    const tab2 = join(network, 'alice')
    tab1.setActivity('replying')
    await expect.poll(() => observer.others[0]?.tabs).toBe(2)
    await expect.poll(() => viewersOf(observer)).toEqual(['alice:replying:here:2'])
    const before = seen.length
    // tab2 going away changes its state but not the fold (tab1 is still here)
    tab2.setAway(true)
    await expect
      .poll(() => [...network.states(ROOM).values()].some((e) => e.json.includes('"away":true')))
      .toBe(true)
    // A control agent's arrival is served after tab2's change: once it shows, tab2's change
    // has been applied, and it alone must have notified nobody.
    join(network, 'carol')
    await expect.poll(() => viewersOf(observer)).toContain('carol:viewing:here:1')
    expect(seen.length).toBe(before + 1)
    expect(seen[0]).toEqual([]) // called at once on subscribe
  })

  it('sends only its own entry, never echoing the entries of other clients', async () => {
    const network = createFakeNetwork()
    const a = join(network, 'alice')
    const b = join(network, 'bob')
    const c = join(network, 'carol')
    await expect.poll(() => a.others.length).toBe(2)
    b.setActivity('replying')
    c.setAway(true)
    await expect.poll(() => viewersOf(a)).toEqual(['bob:replying:here:1', 'carol:viewing:away:1'])
    const own = new Map([a, b, c].map((client) => [client.user.id, client.clientId]))
    for (const socket of network.sockets) {
      const sub = JSON.parse(Buffer.from(socket.token.split('.')[1]!, 'base64url').toString()).sub
      const entries = socket.sent.map(sentEntries).filter((e) => e !== null)
      expect(entries.length).toBeGreaterThan(0)
      for (const frame of entries) {
        for (const entry of frame) expect(entry.clientId).toBe(own.get(sub))
      }
    }
  })

  it('ignores invalid states and entries claiming its own client ID', async () => {
    const network = createFakeNetwork()
    const alice = join(network, 'alice')
    await expect.poll(() => alice.status).toBe('connected')
    const intruder = new network.WebSocket(`ws://relay.test/${ROOM}?token=x`)
    await expect.poll(() => intruder.readyState).toBe(1)
    intruder.send(
      frame([
        { clientId: 99, clock: 1, json: '{"user":{"id":"mallory"},"activity":"hacking"}' },
        { clientId: 98, clock: 1, json: 'not json' },
        { clientId: alice.clientId, clock: 1e9, json: JSON.stringify({ ...stateOf('mallory') }) },
      ]),
    )
    intruder.send(frame([{ clientId: 97, clock: 1, json: JSON.stringify(stateOf('eve')) }]))
    await expect.poll(() => viewersOf(alice)).toEqual(['eve:viewing:here:1'])
    expect(alice.activity).toBe('viewing')
    intruder.close()
    await expect.poll(() => viewersOf(alice)).toEqual([])
  })

  it('destroy() sends one null frame for this tab, then closes with 1000', async () => {
    const network = createFakeNetwork()
    const observer = join(network, 'olga')
    const alice = join(network, 'alice')
    await expect.poll(() => viewersOf(observer)).toEqual(['alice:viewing:here:1'])
    const socket = network.sockets[1]!
    const closes: number[] = []
    const close = socket.close.bind(socket)
    socket.close = (code?: number) => {
      closes.push(code ?? -1)
      close(code)
    }
    const sentBefore = socket.sent.length
    alice.destroy()
    expect(alice.status).toBe('closed')
    const after = socket.sent.slice(sentBefore).map(sentEntries)
    expect(after).toEqual([[{ clientId: alice.clientId, clock: expect.any(Number), json: 'null' }]])
    expect(closes).toEqual([1000])
    await expect.poll(() => viewersOf(observer)).toEqual([])
  })

  it('leaves on pagehide and comes back when the page is restored from the bfcache', async () => {
    const network = createFakeNetwork()
    const observer = join(network, 'olga')
    const page = createFakePage()
    const alice = join(network, 'alice', { environment: page })
    await expect.poll(() => viewersOf(observer)).toEqual(['alice:viewing:here:1'])
    page.dispatch('pagehide', { persisted: true })
    expect(alice.status).toBe('closed')
    await expect.poll(() => viewersOf(observer)).toEqual([])
    page.dispatch('pageshow', { persisted: true })
    await expect.poll(() => viewersOf(observer)).toEqual(['alice:viewing:here:1'])
    expect(alice.status).toBe('connected')
  })

  it('marks the agent away for others when the page is hidden', async () => {
    const network = createFakeNetwork()
    const observer = join(network, 'olga')
    const page = createFakePage()
    const alice = join(network, 'alice', { environment: page })
    await expect.poll(() => viewersOf(observer)).toEqual(['alice:viewing:here:1'])
    page.setVisible(false)
    expect(alice.away).toBe(true)
    await expect.poll(() => viewersOf(observer)).toEqual(['alice:viewing:away:1'])
    page.setVisible(true)
    await expect.poll(() => viewersOf(observer)).toEqual(['alice:viewing:here:1'])
  })

  it('resets since when the activity changes', async () => {
    const network = createFakeNetwork()
    const observer = join(network, 'olga')
    const alice = join(network, 'alice')
    await expect.poll(() => observer.others.length).toBe(1)
    const first = observer.others[0]!.since
    await expect.poll(() => Date.now()).toBeGreaterThan(first) // a later millisecond
    alice.setActivity('replying')
    await expect.poll(() => observer.others[0]?.activity).toBe('replying')
    expect(observer.others[0]!.since).toBeGreaterThan(first)
  })
})

const frame = (entries: Parameters<typeof encodeAwarenessFrame>[0]) =>
  sendable(encodeAwarenessFrame(entries))

function stateOf(id: string) {
  return { user: { id, name: id }, activity: 'viewing', away: false, since: 1 }
}
