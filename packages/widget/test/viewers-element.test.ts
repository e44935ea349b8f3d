// @vitest-environment happy-dom
import '@sightline/widget'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { SightlineViewers } from '../src/index.js'
import { all, cssText, FakeClient, mount, one, shadow, text, viewer } from './fixtures.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('<sightline-viewers>', () => {
  it('is registered by importing the package', () => {
    expect(customElements.get('sightline-viewers')).toBe(SightlineViewers)
  })

  it('renders replying agents first, then by earliest since', async () => {
    const el = await mount('sightline-viewers', (e) => {
      e.viewers = [
        viewer('c', 'Carol', { since: 10 }),
        viewer('d', 'Dave', { activity: 'replying', since: 30 }),
        viewer('a', 'Alice', { since: 5 }),
        viewer('b', 'Bob', { activity: 'replying', since: 20 }),
      ]
    })
    const rows = all(el, 'viewer')
    expect(rows.map((r) => r.getAttribute('data-user-id'))).toEqual(['b', 'd', 'a', 'c'])
    expect(rows.map((r) => r.getAttribute('data-activity'))).toEqual([
      'replying',
      'replying',
      'viewing',
      'viewing',
    ])
    expect(all(el, 'viewer-label').map(text)).toEqual([
      'Bob is replying',
      'Dave is replying',
      'Alice is viewing',
      'Carol is viewing',
    ])
    // The replying highlight: a pencil glyph only on replying chips.
    expect(rows.map((r) => r.querySelector('.pencil') !== null)).toEqual([true, true, false, false])
  })

  it('marks away agents (dimmed by CSS) and says "away" in their label', async () => {
    const el = await mount('sightline-viewers', (e) => {
      e.viewers = [viewer('a', 'Alice', { away: true }), viewer('b', 'Bob')]
    })
    const [alice, bob] = all(el, 'viewer')
    expect(alice?.getAttribute('data-away')).toBe('true')
    expect(bob?.getAttribute('data-away')).toBe('false')
    expect(text(alice?.querySelector('[data-testid="viewer-label"]'))).toBe(
      'Alice is viewing (away)',
    )
    expect(alice?.querySelector('.chip')?.getAttribute('aria-label')).toBe(
      'Alice is viewing (away)',
    )
    expect(cssText(SightlineViewers.styles)).toMatch(
      /\[data-away='true'\][^{]*\{\s*opacity: var\(--_away-opacity\)/,
    )
  })

  it('falls back to initials without an avatar and when the image fails', async () => {
    const el = await mount('sightline-viewers', (e) => {
      e.viewers = [
        viewer('a', 'Alice Liddell'),
        viewer('b', 'Bob Smith', { avatar: 'https://example.invalid/bob.png' }),
      ]
    })
    const [alice, bob] = all(el, 'viewer')
    expect(text(alice?.querySelector('[data-testid="avatar-initials"]'))).toBe('AL')
    const img = bob?.querySelector('img')
    expect(img?.getAttribute('src')).toBe('https://example.invalid/bob.png')
    expect(bob?.querySelector('[data-testid="avatar-initials"]')).toBeNull()

    img?.dispatchEvent(new Event('error'))
    await el.updateComplete
    const bobAfter = all(el, 'viewer')[1]
    expect(bobAfter?.querySelector('img')).toBeNull()
    expect(text(bobAfter?.querySelector('[data-testid="avatar-initials"]'))).toBe('BS')
  })

  it('shows at most `max` agents and a "+N" chip naming the others', async () => {
    const el = await mount('sightline-viewers', (e) => {
      e.setAttribute('max', '2')
      e.viewers = ['a', 'b', 'c', 'd', 'e'].map((id, i) =>
        viewer(id, `Agent ${id.toUpperCase()}`, {
          since: i,
          activity: id === 'e' ? 'replying' : 'viewing',
        }),
      )
    })
    expect(el.max).toBe(2)
    expect(all(el, 'viewer').map((r) => r.getAttribute('data-user-id'))).toEqual(['e', 'a'])
    const overflow = one(el, 'viewers-overflow')
    expect(text(overflow)).toBe('+3')
    expect(overflow?.getAttribute('tabindex')).toBe('0')
    expect(overflow?.getAttribute('aria-label')).toBe('3 more: Agent B, Agent C, and Agent D')
    const tip = shadow(el).getElementById(overflow?.getAttribute('aria-describedby') ?? '')
    expect(tip?.getAttribute('role')).toBe('tooltip')
    expect([...(tip?.children ?? [])].map(text)).toEqual([
      'Agent B is viewing',
      'Agent C is viewing',
      'Agent D is viewing',
    ])
  })

  it('shows no overflow chip within max (default 5)', async () => {
    const el = await mount('sightline-viewers', (e) => {
      e.viewers = ['a', 'b', 'c', 'd', 'e'].map((id) => viewer(id, id))
    })
    expect(all(el, 'viewer')).toHaveLength(5)
    expect(one(el, 'viewers-overflow')).toBeNull()
  })

  it('makes each avatar focusable and described by a tooltip with name, activity and since', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
    vi.setSystemTime(1_000_000)
    const el = await mount('sightline-viewers', (e) => {
      e.viewers = [viewer('b', 'Bob', { activity: 'replying', since: 1_000_000 - 20_000 })]
    })
    const chip = shadow(el).querySelector('[data-testid="viewer"] .chip')
    expect(chip?.getAttribute('tabindex')).toBe('0')
    const tipId = chip?.getAttribute('aria-describedby') ?? ''
    const tip = shadow(el).getElementById(tipId)
    expect(tip?.getAttribute('role')).toBe('tooltip')
    expect(text(tip)).toBe('Bob is replying (since 20 s)')

    // The single timer ticks the "since" while the element is connected.
    vi.advanceTimersByTime(40_000)
    await el.updateComplete
    expect(text(shadow(el).getElementById(tipId))).toBe('Bob is replying (since 1 min)')
  })

  it('hides a tooltip on Escape until focus leaves', async () => {
    const el = await mount('sightline-viewers', (e) => {
      e.viewers = [viewer('b', 'Bob')]
    })
    const chip = shadow(el).querySelector<HTMLElement>('.chip')!
    chip.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }))
    await el.updateComplete
    expect(one(el, 'viewer')?.hasAttribute('data-tip-dismissed')).toBe(true)
    chip.dispatchEvent(new FocusEvent('blur'))
    await el.updateComplete
    expect(one(el, 'viewer')?.hasAttribute('data-tip-dismissed')).toBe(false)
  })

  it('is a labelled group with a polite live region', async () => {
    const el = await mount('sightline-viewers', (e) => {
      e.viewers = [viewer('b', 'Bob')]
    })
    const group = shadow(el).querySelector('[role="group"]')
    expect(group?.getAttribute('aria-label')).toBe('Other agents on this conversation')
    el.setAttribute('label', 'Also here')
    await el.updateComplete
    expect(group?.getAttribute('aria-label')).toBe('Also here')
    expect(one(el, 'viewers-announcer')?.getAttribute('aria-live')).toBe('polite')
  })

  it('announces changes, not the initial list', async () => {
    const bob = viewer('b', 'Bob', { since: 1 })
    const carol = viewer('c', 'Carol', { since: 2 })
    const el = await mount('sightline-viewers', (e) => {
      e.viewers = [bob, carol]
    })
    const announcer = () => text(one(el, 'viewers-announcer'))
    expect(announcer()).toBe('')

    el.viewers = [{ ...bob, activity: 'replying' }, carol]
    await el.updateComplete
    expect(announcer()).toBe('Bob started replying.')

    el.viewers = [{ ...bob, activity: 'replying' }, viewer('d', 'Dave')]
    await el.updateComplete
    expect(announcer()).toBe('Dave joined. Carol left.')
  })

  it('renders only the (empty) live region when nobody else is there', async () => {
    const el = await mount('sightline-viewers')
    expect(all(el, 'viewer')).toHaveLength(0)
    expect(shadow(el).querySelector('[role="group"]')).toBeNull()
    expect(one(el, 'viewers-announcer')).not.toBeNull()
  })

  it('binds to a client: subscribes while connected, unsubscribes on removal and on replacement', async () => {
    const first = new FakeClient([viewer('b', 'Bob')])
    const el = document.createElement('sightline-viewers')
    el.client = first
    expect(first.subscribed).toBe(0) // not connected yet
    document.body.append(el)
    await el.updateComplete
    expect(first.subscribed).toBe(1)
    expect(all(el, 'viewer').map((r) => r.getAttribute('data-user-id'))).toEqual(['b'])

    first.push([viewer('b', 'Bob', { activity: 'replying' })])
    await el.updateComplete
    expect(one(el, 'viewer')?.getAttribute('data-activity')).toBe('replying')
    expect(text(one(el, 'viewers-announcer'))).toBe('Bob started replying.')

    const second = new FakeClient([viewer('c', 'Carol')])
    el.client = second
    expect(first.listeners.size).toBe(0)
    expect(second.listeners.size).toBe(1)
    expect(el.client).toBe(second)
    await el.updateComplete
    expect(all(el, 'viewer').map((r) => r.getAttribute('data-user-id'))).toEqual(['c'])

    el.remove()
    expect(second.listeners.size).toBe(0)
    document.body.append(el)
    expect(second.listeners.size).toBe(1)
    el.client = null
    expect(second.listeners.size).toBe(0)
    el.remove()
    expect(second.subscribed).toBe(2)
    expect(second.unsubscribed).toBe(2)
  })

  it('keeps a client assigned before the element was defined', async () => {
    const el = document.createElement('sightline-viewers-late')
    const client = new FakeClient([viewer('b', 'Bob')])
    ;(el as unknown as { client: FakeClient }).client = client
    document.body.append(el)
    customElements.define('sightline-viewers-late', class extends SightlineViewers {})
    const upgraded = el as unknown as SightlineViewers
    await upgraded.updateComplete
    expect(upgraded.client).toBe(client)
    expect(client.listeners.size).toBe(1)
    expect(all(upgraded, 'viewer')).toHaveLength(1)
    el.remove()
    expect(client.listeners.size).toBe(0)
  })

  it('runs one timer while connected and none after removal', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const el = await mount('sightline-viewers', (e) => {
      e.viewers = [viewer('b', 'Bob')]
    })
    expect(vi.getTimerCount()).toBe(1)
    el.remove()
    expect(vi.getTimerCount()).toBe(0)
    document.body.append(el)
    expect(vi.getTimerCount()).toBe(1)
    el.remove()
    expect(vi.getTimerCount()).toBe(0)
  })
})
