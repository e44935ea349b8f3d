import { describe, expect, it } from 'vitest'
import { TurnCork } from '../src/transport/turn-cork.js'

function fakeSocket() {
  const calls: string[] = []
  return { calls, cork: () => calls.push('cork'), uncork: () => calls.push('uncork') }
}

describe('TurnCork', () => {
  it('corks a socket once per event-loop turn and uncorks every corked socket after it', async () => {
    const c = new TurnCork()
    const a = fakeSocket()
    const b = fakeSocket()
    c.cork(a)
    c.cork(a)
    c.cork(b)
    expect(a.calls).toEqual(['cork'])
    expect(b.calls).toEqual(['cork'])
    await new Promise((resolve) => setImmediate(resolve))
    expect(a.calls).toEqual(['cork', 'uncork'])
    expect(b.calls).toEqual(['cork', 'uncork'])
    // A new turn corks again.
    c.cork(a)
    expect(a.calls).toEqual(['cork', 'uncork', 'cork'])
    await new Promise((resolve) => setImmediate(resolve))
    expect(a.calls).toEqual(['cork', 'uncork', 'cork', 'uncork'])
  })
})
