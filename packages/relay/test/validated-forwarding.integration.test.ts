/**
 * What the relay forwards is what it validated (issue 20, rule 6): a state is forwarded as the
 * JSON of the value the relay parsed and checked (`JSON.stringify` of the last-wins parse,
 * with the relay's `since`, any `__proto__` key dropped), never as the bytes its writer sent.
 * Otherwise duplicate keys let a peer whose parser keeps the first value (or a proxy, a log
 * reader) see something the relay never checked, and `__proto__` reaches every peer's
 * `JSON.parse`. One update carries at most one entry per client ID: 600 entries for one ID
 * are 600 relay clocks and forwards for one frame, so such a frame is malformed (4400) and
 * nothing of it is forwarded.
 */
import { CloseCode, encodeAwarenessFrame } from '@sightline/protocol'
import { describe, expect, it } from 'vitest'
import { join, presence, settle, startRelay, type TestClient, uniqueRoom } from './fixtures.js'
import { changeProbe, closeCodeWithin } from './helpers.js'

/** `value` without any own `__proto__` key, at any depth (JSON.parse makes them own keys). */
function withoutProto(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutProto)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    if (key !== '__proto__') out[key] = withoutProto(v)
  }
  return out
}

/** What the relay validated of `text`, re-encoded, with the `since` it forwarded. */
function validated(text: string, since: unknown): string {
  return JSON.stringify({ ...(withoutProto(JSON.parse(text)) as object), since })
}

/** Every JSON text `client` received for `clientId` (removals included). */
function jsonsFor(client: TestClient, clientId: number): string[] {
  return client.awareness
    .flat()
    .filter((e) => e.clientId === clientId)
    .map((e) => e.json)
}

/** Sends `json` as it is (no re-encoding) under `clientId`. */
function sendRaw(client: TestClient, clientId: number, clock: number, json: string): void {
  client.send(encodeAwarenessFrame([{ clientId, clock, json }]))
}

describe('the relay forwards what it validated', () => {
  const since = () => Date.now()

  it.each([
    [
      'a duplicate activity',
      (t: number) =>
        `{"user":{"id":"mallory","name":"Mallory"},"activity":"viewing","activity":"replying","away":false,"since":${t}}`,
    ],
    [
      'a duplicate user naming another agent first',
      (t: number) =>
        `{"user":{"id":"alice","name":"Alice"},"user":{"id":"mallory","name":"Mallory"},"activity":"viewing","away":false,"since":${t}}`,
    ],
    [
      'a duplicate key inside user',
      (t: number) =>
        `{"user":{"id":"alice","id":"mallory","name":"Alice","name":"Mallory"},"activity":"viewing","away":false,"since":${t}}`,
    ],
    [
      'a __proto__ key',
      (t: number) =>
        `{"__proto__":{"activity":"replying","admin":true},"user":{"id":"mallory","name":"Mallory"},"activity":"viewing","away":false,"since":${t}}`,
    ],
    [
      'a __proto__ key inside user',
      (t: number) =>
        `{"user":{"id":"mallory","name":"Mallory","__proto__":{"avatar":"https://evil.example/x.png"}},"activity":"viewing","away":false,"since":${t}}`,
    ],
    [
      'whitespace and another key order',
      (t: number) =>
        `{ "since": ${t}, "away": false, "activity": "viewing", "user": { "name": "Mallory", "id": "mallory" } }`,
    ],
  ])('%s: peers receive the JSON of the validated state, not the bytes sent', async (_, raw) => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const probe = await changeProbe(relay, room, 'alice', 'bob', 11)
    const bob = probe.watcher
    const mallory = await join(relay, room, 'mallory')
    const text = raw(since())
    sendRaw(mallory, 60, 1, text)
    await expect.poll(() => jsonsFor(bob, 60).length).toBe(1)
    const [received] = jsonsFor(bob, 60) as [string]
    // What the relay validated: the last-wins parse (JSON.parse's) it checked, re-encoded.
    expect(received).toBe(validated(text, JSON.parse(received).since))
    expect(JSON.parse(received).user).toEqual({ id: 'mallory', name: 'Mallory' })
    expect(received).not.toContain('__proto__')
    expect(received).not.toContain('alice')
    expect(received).not.toBe(text)
    // The writer itself was not refused.
    await settle(mallory)
    expect(mallory.closeCode).toBeUndefined()
  })

  it("a late joiner's snapshot carries the validated state too, no duplicate keys", async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const mallory = await join(relay, room, 'mallory')
    const t = since()
    sendRaw(
      mallory,
      60,
      1,
      `{"user":{"id":"mallory","name":"Mallory"},"activity":"replying","activity":"viewing","away":false,"away":true,"since":${t}}`,
    )
    await settle(mallory)
    const erin = await join(relay, room, 'erin')
    await expect.poll(() => jsonsFor(erin, 60).length).toBe(1)
    const [snapshot] = jsonsFor(erin, 60) as [string]
    expect(JSON.parse(snapshot)).toMatchObject({ activity: 'viewing', away: true })
    expect(snapshot.match(/"activity"/g)).toHaveLength(1)
    expect(snapshot.match(/"away"/g)).toHaveLength(1)
  })

  it.each([2, 600])(
    'one frame with %i entries for one client ID: 4400, nothing forwarded',
    async (n) => {
      const relay = await startRelay()
      const room = uniqueRoom()
      const probe = await changeProbe(relay, room, 'alice', 'bob', 11)
      const mallory = await join(relay, room, 'mallory')
      const json = JSON.stringify(presence('mallory'))
      mallory.send(
        encodeAwarenessFrame(
          Array.from({ length: n }, (_, i) => ({ clientId: 77, clock: i + 1, json })),
        ),
      )
      expect(await closeCodeWithin(mallory)).toBe(CloseCode.BadFrame)
      // Positive signal: a change made after the attack reached the watcher.
      await probe.change()
      expect(jsonsFor(probe.watcher, 77)).toEqual([])
      expect(probe.watcher.closeCode).toBeUndefined()
    },
  )
})
