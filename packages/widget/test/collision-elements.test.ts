// @vitest-environment happy-dom
import '@sightline/widget'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DISMISS_EVENT } from '../src/index.js'
import { FakeClient, mount, one, shadow, text, viewer } from './fixtures.js'

const NOW = 1_700_000_000_000

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
  vi.setSystemTime(NOW)
})

afterEach(() => {
  vi.useRealTimers()
})

describe('<sightline-reply-warning>', () => {
  const bobReplying = viewer('b', 'Bob', { activity: 'replying', since: NOW - 20_000 })

  it('warns only while composing and another agent is replying', async () => {
    const el = await mount('sightline-reply-warning', (e) => {
      e.viewers = [viewer('c', 'Carol'), bobReplying]
    })
    expect(one(el, 'reply-warning')).toBeNull() // not composing

    el.composing = true
    await el.updateComplete
    const banner = one(el, 'reply-warning')
    expect(text(banner)).toBe('Bob is already replying (since 20 s)')
    // Screen readers get an alert without the ticking duration, so it speaks once.
    expect(banner?.getAttribute('aria-hidden')).toBe('true')
    const alert = shadow(el).querySelector('[role="alert"]')
    expect(text(alert)).toBe('Bob is already replying.')
    expect(el.hasAttribute('composing')).toBe(true)

    el.viewers = [viewer('c', 'Carol'), { ...bobReplying, activity: 'viewing' }]
    await el.updateComplete
    expect(one(el, 'reply-warning')).toBeNull() // nobody else replying
    expect(shadow(el).textContent?.trim()).toBe('')
  })

  it('reads the composing attribute', async () => {
    const el = await mount('sightline-reply-warning', (e) => {
      e.setAttribute('composing', '')
      e.viewers = [bobReplying]
    })
    expect(el.composing).toBe(true)
    expect(one(el, 'reply-warning')).not.toBeNull()
    el.removeAttribute('composing')
    await el.updateComplete
    expect(one(el, 'reply-warning')).toBeNull()
  })

  it('names the first replier (fold order) and mentions the others', async () => {
    const el = await mount('sightline-reply-warning', (e) => {
      e.composing = true
      e.viewers = [
        viewer('d', 'Dave', { activity: 'replying', since: NOW - 5_000 }),
        viewer('e', 'Eve', { activity: 'replying', since: NOW - 3 * 60_000 }),
        bobReplying,
      ]
    })
    expect(text(one(el, 'reply-warning'))).toBe(
      'Eve is already replying (since 3 min); Bob and Dave too',
    )
  })

  it('binds to a client and keeps its "since" ticking', async () => {
    const client = new FakeClient([])
    const el = await mount('sightline-reply-warning', (e) => {
      e.composing = true
      e.client = client
    })
    expect(one(el, 'reply-warning')).toBeNull()
    client.push([bobReplying])
    await el.updateComplete
    expect(text(one(el, 'reply-warning'))).toBe('Bob is already replying (since 20 s)')
    vi.advanceTimersByTime(45_000)
    await el.updateComplete
    expect(text(one(el, 'reply-warning'))).toBe('Bob is already replying (since 1 min)')
    el.remove()
    expect(client.listeners.size).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('<sightline-replied-notice>', () => {
  const bob = { id: 'b', name: 'Bob' }
  const carol = { id: 'c', name: 'Carol' }

  it('renders nothing visible without replies, but keeps its status region', async () => {
    const el = await mount('sightline-replied-notice')
    expect(one(el, 'replied-notice')).toBeNull()
    const region = shadow(el).querySelector('[role="status"]')
    expect(region?.getAttribute('aria-live')).toBe('polite')
    expect(text(region)).toBe('')
  })

  it('says who replied and how long ago', async () => {
    const el = await mount('sightline-replied-notice', (e) => {
      e.replies = [{ user: bob, at: NOW - 20_000 }]
    })
    expect(text(one(el, 'replied-notice'))).toBe('Bob replied 20 s ago')
    const spoken = shadow(el).querySelector('[role="status"]')
    expect(text(spoken)).toBe('Bob replied.')
    vi.advanceTimersByTime(2 * 60_000)
    await el.updateComplete
    expect(text(one(el, 'replied-notice'))).toBe('Bob replied 2 min ago')
    // What the status region says does not tick with the banner.
    expect(text(spoken)).toBe('Bob replied.')
  })

  it('lists the latest reply of each agent, newest first', async () => {
    const el = await mount('sightline-replied-notice', (e) => {
      e.replies = [
        { user: bob, at: NOW - 90_000 },
        { user: carol, at: NOW - 30_000 },
        { user: bob, at: NOW - 10_000 },
      ]
    })
    const lines = [...(one(el, 'replied-notice')?.querySelectorAll('.line') ?? [])].map(text)
    expect(lines).toEqual(['Bob replied 10 s ago', 'Carol replied 30 s ago'])
  })

  it('dismisses with a composed, cancelable event', async () => {
    const el = await mount('sightline-replied-notice', (e) => {
      e.replies = [{ user: bob, at: NOW - 1_000 }]
    })
    const seen: Event[] = []
    const keep = (e: Event) => {
      seen.push(e)
      e.preventDefault()
    }
    document.addEventListener(DISMISS_EVENT, keep)
    const button = () =>
      shadow(el).querySelector<HTMLButtonElement>('[data-testid="replied-notice-dismiss"]')
    expect(button()?.getAttribute('aria-label')).toBe('Dismiss')
    button()?.click()
    await el.updateComplete
    expect(seen).toHaveLength(1)
    expect(one(el, 'replied-notice')).not.toBeNull() // the page kept it

    document.removeEventListener(DISMISS_EVENT, keep)
    button()?.click()
    await el.updateComplete
    expect(one(el, 'replied-notice')).toBeNull()
    expect(el.replies).toEqual([])
  })
})

describe('<sightline-list-badge>', () => {
  it('is "none" and invisible with nobody there', async () => {
    const el = await mount('sightline-list-badge')
    const badge = one(el, 'list-badge')
    expect(badge?.getAttribute('data-state')).toBe('none')
    expect(badge?.hasAttribute('role')).toBe(false)
    expect(shadow(el).querySelectorAll('[data-testid="list-badge-avatar"]')).toHaveLength(0)
  })

  it('is "viewing" with viewers only and "replying" once anyone replies', async () => {
    const el = await mount('sightline-list-badge', (e) => {
      e.viewers = [
        viewer('a', 'Alice Liddell', { since: 1 }),
        viewer('b', 'Bob', { since: 2, away: true }),
      ]
    })
    const badge = () => one(el, 'list-badge')
    expect(badge()?.getAttribute('data-state')).toBe('viewing')
    expect(badge()?.getAttribute('aria-label')).toBe(
      'Alice Liddell is viewing and Bob is viewing (away)',
    )

    el.viewers = [...el.viewers, viewer('c', 'Carol', { activity: 'replying', since: 3 })]
    await el.updateComplete
    expect(badge()?.getAttribute('data-state')).toBe('replying')
    expect(badge()?.getAttribute('role')).toBe('img')
    const minis = [...shadow(el).querySelectorAll('[data-testid="list-badge-avatar"]')]
    expect(minis.map((m) => m.getAttribute('data-user-id'))).toEqual(['c', 'a', 'b'])
    expect(minis.map(text)).toEqual(['C', 'AL', 'B'])
    expect(minis[2]?.getAttribute('data-away')).toBe('true')
    expect(one(el, 'list-badge-more')).toBeNull()
  })

  it('shows at most three mini avatars and counts the rest', async () => {
    const el = await mount('sightline-list-badge', (e) => {
      e.viewers = ['a', 'b', 'c', 'd', 'e'].map((id, i) => viewer(id, id, { since: i }))
    })
    expect(shadow(el).querySelectorAll('[data-testid="list-badge-avatar"]')).toHaveLength(3)
    expect(text(one(el, 'list-badge-more'))).toBe('+2')
    expect(vi.getTimerCount()).toBe(0) // nothing here depends on time
  })
})
