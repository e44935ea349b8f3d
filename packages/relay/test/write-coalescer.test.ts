import { describe, expect, it } from 'vitest'
import { WriteCoalescer } from '../src/core/write-coalescer.js'

function fakeSocket() {
  const calls: string[] = []
  return { calls, cork: () => calls.push('cork'), uncork: () => calls.push('uncork') }
}

describe('WriteCoalescer', () => {
  it('corks a socket once per event-loop turn and uncorks every held socket after it', async () => {
    const c = new WriteCoalescer()
    const a = fakeSocket()
    const b = fakeSocket()
    c.hold(a)
    c.hold(a)
    c.hold(b)
    expect(a.calls).toEqual(['cork'])
    expect(b.calls).toEqual(['cork'])
    await new Promise((resolve) => setImmediate(resolve))
    expect(a.calls).toEqual(['cork', 'uncork'])
    expect(b.calls).toEqual(['cork', 'uncork'])
    // A new turn corks again.
    c.hold(a)
    expect(a.calls).toEqual(['cork', 'uncork', 'cork'])
    await new Promise((resolve) => setImmediate(resolve))
    expect(a.calls).toEqual(['cork', 'uncork', 'cork', 'uncork'])
  })
})
