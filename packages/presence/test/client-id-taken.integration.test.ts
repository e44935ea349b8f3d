/**
 * A tab whose awareness client ID another agent claimed first (issue 20, rule 1), over the
 * real relay: after a relay restart a squatter who reconnected first owns the victim's old
 * client ID; the victim's re-announcement is refused with 4409 and the presence client goes
 * on under a fresh random client ID at once, so the others see it again within 2 s, and its
 * reply signals and the collision warning work under the new ID. A squatter who tries while
 * the victim's socket is merely reset is the one refused, and the victim keeps its ID.
 */

import { createServer } from 'node:net'
import { CloseCode, encodeAwarenessFrame, HEARTBEAT_FRAME } from '@sightline/protocol'
import type { RelayHandle } from '@sightline/relay'
import { describe, expect, it, onTestFinished } from 'vitest'
import WS from 'ws'
import type { PresenceClient } from '../src/index.js'
import {
  join,
  RecordingWebSocket,
  startRelay,
  token,
  uniqueRoom,
  viewersOf,
} from './relay-fixtures.js'

async function unusedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * A WebSocket class whose sockets reach the relay only while `gate.open`; otherwise they
 * dial a port nobody listens on (refused at once, as a relay that is not back yet). Every
 * close code its sockets saw is kept in `gate.closes`.
 */
function gatedWebSocket(relayPort: number, deadPort: number) {
  const gate = { open: true, closes: [] as number[] }
  class GatedWebSocket extends RecordingWebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(gate.open ? url : url.replace(`:${relayPort}`, `:${deadPort}`), protocols)
      this.on('close', (code: number) => gate.closes.push(code))
    }
  }
  return { gate, GatedWebSocket }
}

/** A raw socket of `sub` that writes its own valid state under `clientId`. */
async function squat(
  relay: RelayHandle,
  room: string,
  sub: string,
  clientId: number,
  clock = 1,
): Promise<{ ws: WS; closed: Promise<number>; answered: Promise<void> }> {
  const ws = new WS(`${relay.url}/${room}?token=${encodeURIComponent(token(sub))}`)
  onTestFinished(() => ws.terminate())
  ws.on('error', () => {})
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('close', () => reject(new Error('squatter refused at the upgrade')))
  })
  const state = {
    user: { id: sub, name: sub.charAt(0).toUpperCase() + sub.slice(1) },
    activity: 'viewing',
    away: false,
    since: Date.now(),
  }
  const answered = new Promise<void>((resolve) =>
    ws.on('message', (data: Buffer) => {
      if (data.length === 3 && data[0] === 1 && data[1] === 1 && data[2] === 0) resolve()
    }),
  )
  ws.send(encodeAwarenessFrame([{ clientId, clock, json: JSON.stringify(state) }]))
  ws.send(HEARTBEAT_FRAME)
  return { ws, closed, answered }
}

function subjectOf(jwt: string): unknown {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()).sub
}

const replyUsers = (client: PresenceClient) => client.replies.map((r) => r.user.id)

describe('a client ID taken by another agent', () => {
  it('after a relay restart a squatter got there first: the victim rejoins under a fresh ID within 2 s, replies and warnings work', async () => {
    const first = await startRelay()
    const room = uniqueRoom()
    const { gate, GatedWebSocket } = gatedWebSocket(first.port, await unusedPort())
    const wanda = join(first, room, 'wanda')
    const yuri = join(first, room, 'yuri', { WebSocket: GatedWebSocket })
    const errors: unknown[] = []
    yuri.onError((e) => errors.push(e))
    await expect.poll(() => viewersOf(wanda)).toEqual(['yuri:viewing:here:1'])
    const oldId = yuri.clientId

    // The relay restarts; Yuri's tab stays away until Xavier has claimed its old ID.
    gate.open = false
    await first.close()
    const relay = await startRelay({ port: first.port })
    const xavier = await squat(relay, room, 'xavier', oldId)
    await xavier.answered
    await expect.poll(() => viewersOf(wanda), { timeout: 5000 }).toEqual(['xavier:viewing:here:1'])

    // Yuri's tab comes back and re-announces under its old ID.
    const openedAt = performance.now()
    gate.open = true
    await expect
      .poll(() => viewersOf(wanda).sort(), { timeout: 5000, interval: 10 })
      .toEqual(['xavier:viewing:here:1', 'yuri:viewing:here:1'])
    expect(performance.now() - openedAt).toBeLessThan(2000)
    expect(gate.closes).toContain(CloseCode.ClientIdTaken)
    expect(yuri.clientId).not.toBe(oldId)
    expect(yuri.status).toBe('connected')
    // The squatter keeps what it claimed; nobody is shown twice.
    expect(wanda.others.map((v) => v.user.id).sort()).toEqual(['xavier', 'yuri'])

    // The collision warning: Wanda composes, Yuri sends a reply under his new ID.
    wanda.setActivity('replying')
    await expect
      .poll(() => yuri.beforeSend().conflicts.replyingNow.map((v) => v.user.id))
      .toEqual(['wanda'])
    yuri.markReplySent()
    await expect.poll(() => replyUsers(wanda)).toEqual(['yuri'])
    expect(wanda.replies[0]?.clientId).toBe(yuri.clientId)
    await expect
      .poll(() => wanda.beforeSend().conflicts.repliedBy.map((r) => r.user.id))
      .toEqual(['yuri'])
    yuri.setActivity('replying')
    await expect
      .poll(() => wanda.beforeSend().conflicts.replyingNow.map((v) => v.user.id))
      .toEqual(['yuri'])
    // Yuri was never refused for his reply (1008 signal_without_state) nor stopped.
    expect(gate.closes).not.toContain(CloseCode.PolicyViolation)
    expect(yuri.status).toBe('connected')
    expect(errors.filter((e) => (e as { code?: string }).code === 'refused')).toEqual([])
  })

  it("a squatter while the victim's socket is reset is refused (4409); the victim keeps its ID", async () => {
    const relay = await startRelay({ removalGraceMs: 0 })
    const room = uniqueRoom()
    const wanda = join(relay, room, 'wanda')
    const shown = new Set<string>()
    wanda.subscribe((others) => {
      for (const v of others) shown.add(v.user.id)
    })
    const yuri = join(relay, room, 'yuri')
    await expect.poll(() => viewersOf(wanda)).toEqual(['yuri:viewing:here:1'])
    const id = yuri.clientId
    const socket = RecordingWebSocket.instances.filter((s) => subjectOf(s.token) === 'yuri').at(-1)
    // A Wi-Fi switch: the socket dies; Xavier writes under Yuri's ID at once (a clock far
    // above anything the relay handed out: no echo).
    socket?.terminate()
    const xavier = await squat(relay, room, 'xavier', id, Date.now() + 3_600_000)
    expect(await Promise.race([xavier.closed, xavier.answered.then(() => 'answered')])).toBe(
      CloseCode.ClientIdTaken,
    )
    await expect.poll(() => viewersOf(wanda), { timeout: 5000 }).toEqual(['yuri:viewing:here:1'])
    expect(yuri.clientId).toBe(id)
    expect([...shown]).toEqual(['yuri'])
  })
})
