/**
 * Every admitted connection is one info line: an operator can follow a socket (conn), see who
 * it was (sub) and where it came from (addr) without turning on debug logging.
 */
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { join, startRelay, uniqueRoom } from './fixtures.js'

describe('the log of an admitted connection', () => {
  it('is one info line with conn, room, sub and addr', async () => {
    const lines: string[] = []
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) })
    const relay = await startRelay({ logger })
    const room = uniqueRoom()
    await join(relay, room, 'alice')
    await join(relay, room, 'bob')
    const connected = () =>
      lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l['msg'] === 'connected')
    await expect.poll(() => connected().length).toBe(2)
    const [alice, bob] = connected()
    expect(alice).toMatchObject({ level: 30, room, sub: 'alice', addr: '127.0.0.1' })
    expect(bob).toMatchObject({ level: 30, room, sub: 'bob' })
    expect(alice?.['conn']).toEqual(expect.any(String))
    expect(alice?.['conn']).not.toBe(bob?.['conn'])
  })
})
