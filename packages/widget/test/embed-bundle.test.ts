// @vitest-environment happy-dom
/**
 * The all-in-one embed bundle (`vite build --mode embed`): one classic script tag must give a
 * server-rendered page the elements and a working presence client factory.
 */
import { describe, expect, it } from 'vitest'
import { buildInMemory } from './build-in-memory.js'

describe('embed bundle', () => {
  it('exposes createPresence and the room helpers, and defines the elements', {
    timeout: 60_000,
  }, async () => {
    const files = await buildInMemory('embed')
    expect([...files.keys()].sort()).toEqual(['sightline.iife.js', 'sightline.js'])
    expect(files.get('sightline.js')).not.toMatch(/^\s*import\s/m)

    const run = new Function(`${files.get('sightline.iife.js')}\nreturn Sightline`)
    const Sightline = run() as Record<string, (...args: unknown[]) => unknown>
    expect(typeof Sightline['createPresence']).toBe('function')
    expect(Sightline['conversationRoom']?.(3, 42)).toBe('mailbox/3/conversation/42')
    expect(customElements.get('sightline-viewers')).toBeDefined()
    expect(customElements.get('sightline-list-badge')).toBeDefined()
    // A presence client made from the bundle validates its options like the package does.
    expect(() =>
      Sightline['createPresence']?.({ url: 'ws://127.0.0.1:1', room: 'x', token: 'nope' }),
    ).toThrow()
  })
})
