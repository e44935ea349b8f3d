// @vitest-environment happy-dom
/** Binding the collision banners to a live client: replies with `since`, and the first replier. */
import '@sightline/widget'
import type { Viewer } from '@sightline/protocol'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { RepliesSource, Reply, ReplyWarningSource } from '../src/index.js'
import { FakeClient, mount, one, shadow, text, viewer } from './fixtures.js'

const NOW = 1_700_000_000_000

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
  vi.setSystemTime(NOW)
})

afterEach(() => {
  vi.useRealTimers()
})

/** A stand-in for a PresenceClient's reply log. */
class FakeReplies implements RepliesSource {
  readonly listeners = new Set<(replies: readonly Reply[]) => void>()
  current: readonly Reply[] = []

  onReplies(listener: (replies: readonly Reply[]) => void): () => void {
    this.listeners.add(listener)
    listener(this.current)
    return () => this.listeners.delete(listener)
  }

  push(replies: readonly Reply[]): void {
    this.current = replies
    for (const l of this.listeners) l(replies)
  }
}

/** A viewers source that also knows this agent and the first replier, like a PresenceClient. */
class FakePresence extends FakeClient implements ReplyWarningSource {
  readonly user = { id: 'a' }
  first: Viewer | null = null
  firstReplier(): Viewer | null {
    return this.first
  }
}

const bob = { id: 'b', name: 'Bob' }
const carol = { id: 'c', name: 'Carol' }
const lines = (el: Element) =>
  [...(one(el, 'replied-notice')?.querySelectorAll('.line') ?? [])].map(text)

describe('<sightline-replied-notice> bound to a client', () => {
  it('follows onReplies, shows only replies since `since`, and lets go when removed', async () => {
    const client = new FakeReplies()
    client.current = [{ user: carol, at: NOW - 60_000 }]
    const el = await mount('sightline-replied-notice', (e) => {
      e.client = client
      e.since = NOW - 30_000 // composing began 30 s ago: Carol's reply is older
    })
    expect(el.client).toBe(client)
    expect(one(el, 'replied-notice')).toBeNull()

    client.push([{ user: bob, at: NOW - 20_000 }, ...client.current])
    await el.updateComplete
    expect(lines(el)).toEqual(['Bob replied 20 s ago'])

    el.since = 0
    await el.updateComplete
    expect(lines(el)).toEqual(['Bob replied 20 s ago', 'Carol replied 1 min ago'])

    el.remove()
    expect(client.listeners.size).toBe(0)
  })

  it('keeps dismissed replies hidden when the client calls back with the whole log', async () => {
    const client = new FakeReplies()
    client.current = [{ user: bob, at: NOW - 5_000 }]
    const el = await mount('sightline-replied-notice', (e) => {
      e.client = client
    })
    const seen: unknown[] = []
    el.addEventListener('sightline-dismiss', (e) => seen.push((e as CustomEvent).detail.replies))
    shadow(el).querySelector<HTMLButtonElement>('[data-testid="replied-notice-dismiss"]')?.click()
    await el.updateComplete
    expect(seen).toEqual([[{ user: bob, at: NOW - 5_000 }]])
    expect(one(el, 'replied-notice')).toBeNull()

    client.push([{ user: carol, at: NOW - 1_000 }, ...client.current])
    await el.updateComplete
    expect(lines(el)).toEqual(['Carol replied 1 s ago'])
  })

  it('takes a client assigned before the element was defined', async () => {
    const el = document.createElement('div')
    el.innerHTML = '<sightline-replied-notice></sightline-replied-notice>'
    const notice = el.firstElementChild as HTMLElementTagNameMap['sightline-replied-notice']
    const client = new FakeReplies()
    client.current = [{ user: bob, at: NOW - 2_000 }]
    notice.client = client
    document.body.append(el)
    await notice.updateComplete
    expect(lines(notice)).toEqual(['Bob replied 2 s ago'])
    el.remove()
    expect(client.listeners.size).toBe(0)
  })
})

describe('<sightline-reply-warning> with a first replier', () => {
  const bobReplying = viewer('b', 'Bob', { activity: 'replying', since: NOW - 2_000 })

  it('is calm for the agent who started first, a warning for the one who came second', async () => {
    const client = new FakePresence([bobReplying])
    client.first = viewer('a', 'Alice', { activity: 'replying', since: NOW - 3_000 })
    const el = await mount('sightline-reply-warning', (e) => {
      e.client = client
      e.composing = true
    })
    const first = () => one(el, 'reply-first')
    const banner = () => one(el, 'reply-warning')
    const spoken = () => one(el, 'reply-warning-spoken')
    expect(text(banner())).toBe('Bob is also replying (since 2 s) You started replying first')
    expect(banner()?.getAttribute('data-tone')).toBe('calm')
    expect(spoken()?.getAttribute('role')).toBe('status')
    expect(first()?.getAttribute('data-user-id')).toBe('a')

    client.first = bobReplying
    client.push([bobReplying])
    await el.updateComplete
    expect(text(banner())).toBe('Bob is already replying (since 2 s) Bob started replying first')
    expect(banner()?.getAttribute('data-tone')).toBe('alarm')
    expect(spoken()?.getAttribute('role')).toBe('alert')
    expect(text(spoken())).toBe('Bob is already replying. Bob started replying first.')
    expect(first()?.getAttribute('data-user-id')).toBe('b')
  })

  it('stays silent without a conflict, and without firstReplier on the client', async () => {
    const client = new FakePresence([])
    client.first = viewer('a', 'Alice', { activity: 'replying' })
    const el = await mount('sightline-reply-warning', (e) => {
      e.client = client
      e.composing = true
    })
    expect(one(el, 'reply-warning')).toBeNull() // only I reply: nothing to warn about

    const plain = await mount('sightline-reply-warning', (e) => {
      e.client = new FakeClient([bobReplying])
      e.composing = true
    })
    expect(text(one(plain, 'reply-warning'))).toBe('Bob is already replying (since 2 s)')
    expect(one(plain, 'reply-warning')?.getAttribute('data-tone')).toBe('alarm')
    expect(one(plain, 'reply-first')).toBeNull()
  })
})
