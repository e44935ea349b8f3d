/**
 * Mailbox list under load: one mailbox of `conversations` conversations,
 * `agents` agents each with one tab that keeps moving between conversations and toggling the
 * reply editor, and `lists` list pages open on the mailbox room, all over real sockets on
 * loopback to a real relay (in this process). Measures what a list page receives (frames and
 * bytes per second, split into summary frames and the rest), how many summary frames the
 * relay sends per mailbox room, and how long a change takes to show on a list page. At the
 * end the agents stop, and every list page must show exactly where each agent is.
 *
 *   npx tsx --conditions=source bench/src/mailbox-list-load.ts [--seconds 30] [--agents 50]
 *     [--conversations 200] [--lists 5] [--dwell-ms 2000]
 *
 * Agents are raw `ws` clients that speak the wire like the presence client (own state only,
 * a heartbeat every `LivenessDefaults.heartbeatIntervalMs`, a removal before leaving a
 * conversation); list pages are raw clients
 * of the mailbox room that only send heartbeats.
 */
import { randomInt } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import {
  CloseCode,
  conversationRoom,
  encodeAwarenessFrame,
  HEARTBEAT_FRAME,
  isHeartbeatFrame,
  LivenessDefaults,
  mailboxRoom,
  readAwarenessUpdate,
  readFrame,
  readMailboxSummary,
} from '@sightline/protocol'
import { createRelay, type RelayHandle } from '@sightline/relay'
import { mintToken } from '@sightline/testkit'
import WebSocket from 'ws'
import { wireBytes } from './tab-wire.js'

export interface MailboxListLoadOptions {
  readonly seconds: number
  readonly agents: number
  readonly conversations: number
  readonly lists: number
  /** Mean time between two actions of one agent (exponential), ms. */
  readonly dwellMs: number
}

export const DEFAULT_LOAD: MailboxListLoadOptions = Object.freeze({
  seconds: 30,
  agents: 50,
  conversations: 200,
  lists: 5,
  dwellMs: 2000,
})

export interface MailboxListLoadResult {
  readonly options: MailboxListLoadOptions
  readonly measuredSeconds: number
  /** Agent actions per second: moves (each changes two conversations) and reply toggles. */
  readonly movesPerSec: number
  readonly togglesPerSec: number
  /** Conversation summaries changed per second by those actions (2 per move, 1 per toggle). */
  readonly conversationChangesPerSec: number
  /** Per list page, averaged over the list pages. */
  readonly perList: {
    readonly framesPerSec: number
    readonly summaryFramesPerSec: number
    /** Payload bytes of every frame received (WebSocket headers included in `wireBytesPerSec`). */
    readonly bytesPerSec: number
    readonly wireBytesPerSec: number
    readonly summaryBytesPerSec: number
    readonly meanSummaryFrameBytes: number
    /** Conversations per summary frame (what coalescing saves). */
    readonly meanEntriesPerSummaryFrame: number
  }
  /** Summary frames the relay sent into the mailbox room per second (one room here). */
  readonly relaySummaryFramesPerSec: number
  /** From an agent's state change to a list page showing it, ms. */
  readonly changeToListMs: { samples: number; p50: number; p99: number; max: number }
  /** Every list page showed exactly the agents' final positions. */
  readonly consistent: boolean
}

const SECRET = 'mailbox-list-load-secret-0123456789abcdef'
const HEARTBEAT_MS = LivenessDefaults.heartbeatIntervalMs
const MAILBOX = 'load'

interface AgentTab {
  readonly id: string
  conversation: number
  activity: 'viewing' | 'replying'
  since: number
  socket: WebSocket | null
  clientId: number
  clock: number
}

interface ListPage {
  readonly socket: WebSocket
  frames: number
  bytes: number
  wire: number
  summaryFrames: number
  summaryBytes: number
  summaryEntries: number
  /** clientId -> { clock, conversation, viewers "id:activity:since" } (y-protocols rules). */
  readonly entries: Map<number, { clock: number; conversation: string | null; viewers: string[] }>
}

/** The relay, the list pages and the agents' tabs of one run, and what they counted. */
interface LoadRun {
  readonly options: MailboxListLoadOptions
  readonly relay: RelayHandle
  readonly tokenOf: (sub: string) => Promise<string>
  /** From an agent's change to the first list page showing it, ms. */
  readonly latencies: number[]
  readonly seenChanges: Set<string>
  readonly lists: ListPage[]
  readonly agents: AgentTab[]
  running: boolean
  moves: number
  toggles: number
}

/** Runs the load and returns its figures (see the file header). */
export async function runMailboxListLoad(
  partial: Partial<MailboxListLoadOptions> = {},
): Promise<MailboxListLoadResult> {
  const options = { ...DEFAULT_LOAD, ...partial }
  const relay = await createRelay({ port: 0, jwtSecret: SECRET })
  const run: LoadRun = {
    options,
    relay,
    tokenOf: tokenCache(),
    latencies: [],
    seenChanges: new Set(),
    lists: [],
    agents: [],
    running: true,
    moves: 0,
    toggles: 0,
  }
  try {
    await openPages(run)
    await settle()
    for (const l of run.lists) resetCounters(l)
    const { measuredSeconds, counted } = await measure(run)
    await settle()
    const expected = expectedView(run.agents)
    const consistent = run.lists.every((l) => sameView(viewOf(l), expected))
    return figuresOf(run, counted, measuredSeconds, consistent)
  } finally {
    run.running = false
    for (const a of run.agents) a.socket?.terminate()
    for (const l of run.lists) l.socket.terminate()
    await relay.close()
  }
}

/** One token per subject, minted once. */
function tokenCache(): (sub: string) => Promise<string> {
  const tokens = new Map<string, string>()
  return async (sub) => {
    let t = tokens.get(sub)
    if (t === undefined) {
      t = await mint(sub)
      tokens.set(sub, t)
    }
    return t
  }
}

/** Opens the list pages, then each agent's tab in a random conversation. */
async function openPages(run: LoadRun): Promise<void> {
  const { options, relay } = run
  for (let i = 0; i < options.lists; i++) {
    const token = await run.tokenOf(`watcher-${i}`)
    run.lists.push(await openList(relay, token, run.latencies, run.seenChanges))
  }
  for (let i = 0; i < options.agents; i++) {
    const agent: AgentTab = {
      id: `agent-${i}`,
      conversation: randomInt(options.conversations),
      activity: 'viewing',
      since: Date.now(),
      socket: null,
      clientId: 0,
      clock: 0,
    }
    run.agents.push(agent)
    await enter(relay, agent, await run.tokenOf(agent.id))
  }
}

/**
 * Lets the agents act for `seconds` (heartbeats going), then stops them; returns the list
 * pages' counters as they were when the time was up.
 */
async function measure(run: LoadRun): Promise<{ measuredSeconds: number; counted: ListPage[] }> {
  const started = performance.now()
  const heartbeats = setInterval(() => {
    for (const a of run.agents) sendIfOpen(a.socket, HEARTBEAT_FRAME)
    for (const l of run.lists) sendIfOpen(l.socket, HEARTBEAT_FRAME)
  }, HEARTBEAT_MS)
  const loops = run.agents.map((agent) => act(run, agent))
  await delay(run.options.seconds * 1000)
  run.running = false
  const measuredSeconds = (performance.now() - started) / 1000
  const counted = run.lists.map((l) => ({ ...l }))
  await Promise.all(loops)
  clearInterval(heartbeats)
  return { measuredSeconds, counted }
}

/** One agent until the run stops: after an exponential dwell, toggles replying or moves. */
async function act(run: LoadRun, agent: AgentTab): Promise<void> {
  const { options, relay } = run
  const token = await run.tokenOf(agent.id)
  while (run.running) {
    await delay(-Math.log(1 - Math.random()) * options.dwellMs)
    if (!run.running) break
    if (Math.random() < 0.5) {
      agent.activity = agent.activity === 'viewing' ? 'replying' : 'viewing'
      agent.since = Date.now()
      sendState(agent)
      run.toggles++
    } else {
      leave(agent)
      let next = randomInt(options.conversations - 1)
      if (next >= agent.conversation) next++
      agent.conversation = next
      agent.activity = 'viewing'
      agent.since = Date.now()
      await enter(relay, agent, token)
      run.moves++
    }
  }
}

function figuresOf(
  run: LoadRun,
  counted: readonly ListPage[],
  measuredSeconds: number,
  consistent: boolean,
): MailboxListLoadResult {
  const { moves, toggles } = run
  const sum = (f: (l: ListPage) => number) =>
    counted.reduce((n, l) => n + f(l), 0) / counted.length / measuredSeconds
  const summaryFramesPerSec = sum((l) => l.summaryFrames)
  const sorted = [...run.latencies].sort((a, b) => a - b)
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0
  const totalSummaryFrames = counted.reduce((n, l) => n + l.summaryFrames, 0)
  return {
    options: run.options,
    measuredSeconds,
    movesPerSec: moves / measuredSeconds,
    togglesPerSec: toggles / measuredSeconds,
    conversationChangesPerSec: (2 * moves + toggles) / measuredSeconds,
    perList: {
      framesPerSec: sum((l) => l.frames),
      summaryFramesPerSec,
      bytesPerSec: sum((l) => l.bytes),
      wireBytesPerSec: sum((l) => l.wire),
      summaryBytesPerSec: sum((l) => l.summaryBytes),
      meanSummaryFrameBytes:
        counted.reduce((n, l) => n + l.summaryBytes, 0) / Math.max(1, totalSummaryFrames),
      meanEntriesPerSummaryFrame:
        counted.reduce((n, l) => n + l.summaryEntries, 0) / Math.max(1, totalSummaryFrames),
    },
    relaySummaryFramesPerSec: summaryFramesPerSec,
    changeToListMs: { samples: sorted.length, p50: pct(0.5), p99: pct(0.99), max: pct(1) },
    consistent,
  }
}

async function mint(sub: string): Promise<string> {
  const mailbox = mailboxRoom(MAILBOX)
  return mintToken({ sub, name: sub, rooms: [mailbox, `${mailbox}/*`], secret: SECRET })
}

function open(relay: RelayHandle, room: string, token: string): Promise<WebSocket> {
  const ws = new WebSocket(`${relay.url}/${room}?token=${encodeURIComponent(token)}`)
  ws.on('error', () => {})
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws))
    ws.once('close', (code) => reject(new Error(`${room}: closed with ${code}`)))
  })
}

async function enter(relay: RelayHandle, agent: AgentTab, token: string): Promise<void> {
  const socket = await open(relay, conversationRoom(MAILBOX, agent.conversation), token)
  agent.socket = socket
  agent.clientId = randomInt(2 ** 31)
  agent.clock = 0
  sendState(agent)
}

function sendState(agent: AgentTab): void {
  const json = JSON.stringify({
    user: { id: agent.id, name: agent.id },
    activity: agent.activity,
    away: false,
    since: agent.since,
  })
  sendIfOpen(
    agent.socket,
    encodeAwarenessFrame([{ clientId: agent.clientId, clock: ++agent.clock, json }]),
  )
}

/** What presence `destroy()` does: a removal, then close. */
function leave(agent: AgentTab): void {
  const socket = agent.socket
  if (socket === null) return
  sendIfOpen(
    socket,
    encodeAwarenessFrame([{ clientId: agent.clientId, clock: ++agent.clock, json: 'null' }]),
  )
  socket.close(CloseCode.Normal)
  agent.socket = null
}

function sendIfOpen(socket: WebSocket | null, frame: Uint8Array): void {
  if (socket?.readyState === WebSocket.OPEN) socket.send(frame)
}

async function openList(
  relay: RelayHandle,
  token: string,
  latencies: number[],
  seen: Set<string>,
): Promise<ListPage> {
  const socket = await open(relay, mailboxRoom(MAILBOX), token)
  const page: ListPage = {
    socket,
    frames: 0,
    bytes: 0,
    wire: 0,
    summaryFrames: 0,
    summaryBytes: 0,
    summaryEntries: 0,
    entries: new Map(),
  }
  socket.on('message', (data: Buffer) => {
    const frame = new Uint8Array(data)
    page.frames++
    page.bytes += frame.length
    page.wire += wireBytes(frame.length, false)
    const read = readFrame(frame)
    if (read.kind !== 'awareness' || isHeartbeatFrame(frame)) return
    const entries = readAwarenessUpdate(read.update)
    page.summaryFrames++
    page.summaryBytes += frame.length
    page.summaryEntries += entries.length
    const now = Date.now()
    for (const e of entries) {
      const prev = page.entries.get(e.clientId)
      if (prev !== undefined && e.clock <= prev.clock) continue
      const summary = e.json === 'null' ? null : readMailboxSummary(JSON.parse(e.json))
      const viewers = (summary?.viewers ?? []).map((v) => `${v.user.id}:${v.activity}:${v.since}`)
      page.entries.set(e.clientId, {
        clock: e.clock,
        conversation: summary?.conversation ?? null,
        viewers,
      })
      for (const v of viewers) {
        // The first list page to show a change measures it (each change has its own since).
        if (seen.has(v)) continue
        seen.add(v)
        latencies.push(now - Number(v.slice(v.lastIndexOf(':') + 1)))
      }
    }
  })
  return page
}

function resetCounters(l: ListPage): void {
  l.frames = 0
  l.bytes = 0
  l.wire = 0
  l.summaryFrames = 0
  l.summaryBytes = 0
  l.summaryEntries = 0
}

/** conversation -> sorted "agent:activity". */
type View = Map<string, string[]>

function expectedView(agents: readonly AgentTab[]): View {
  const view: View = new Map()
  for (const a of agents) {
    const key = String(a.conversation)
    view.set(key, [...(view.get(key) ?? []), `${a.id}:${a.activity}`].sort())
  }
  return view
}

function viewOf(l: ListPage): View {
  const view: View = new Map()
  for (const e of l.entries.values()) {
    if (e.conversation === null) continue
    view.set(e.conversation, e.viewers.map((v) => v.slice(0, v.lastIndexOf(':'))).sort())
  }
  return view
}

function sameView(a: View, b: View): boolean {
  if (a.size !== b.size) return false
  for (const [k, v] of a) if (JSON.stringify(b.get(k)) !== JSON.stringify(v)) return false
  return true
}

/** Long enough for every in-flight change to reach the relay and be flushed. */
function settle(): Promise<void> {
  return delay(500)
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** The figures as a few aligned lines of text. */
export function formatMailboxListLoad(r: MailboxListLoadResult): string {
  const f = (n: number, d = 1) => n.toFixed(d)
  const o = r.options
  return [
    `mailbox list load: ${o.conversations} conversations, ${o.agents} agents (mean dwell ${o.dwellMs} ms), ${o.lists} list pages, ${f(r.measuredSeconds)} s`,
    `  agent actions/s:              ${f(r.movesPerSec)} moves + ${f(r.togglesPerSec)} reply toggles`,
    `  conversation changes/s:       ${f(r.conversationChangesPerSec)}`,
    `  per list page: frames/s       ${f(r.perList.framesPerSec)} (summary ${f(r.perList.summaryFramesPerSec)})`,
    `  per list page: bytes/s        ${f(r.perList.bytesPerSec, 0)} payload, ${f(r.perList.wireBytesPerSec, 0)} on the wire (summary ${f(r.perList.summaryBytesPerSec, 0)})`,
    `  summary frame:                ${f(r.perList.meanSummaryFrameBytes, 0)} bytes, ${f(r.perList.meanEntriesPerSummaryFrame, 2)} conversations on average`,
    `  relay summary frames/s:       ${f(r.relaySummaryFramesPerSec)} (one mailbox room; x${o.lists} deliveries)`,
    `  change -> list page (ms):     p50 ${r.changeToListMs.p50}, p99 ${r.changeToListMs.p99}, max ${r.changeToListMs.max} (${r.changeToListMs.samples} changes)`,
    `  final state on every list:    ${r.consistent ? 'consistent' : 'INCONSISTENT'}`,
    '',
  ].join('\n')
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      agents: { type: 'string' },
      conversations: { type: 'string' },
      lists: { type: 'string' },
      'dwell-ms': { type: 'string' },
    },
  })
  const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v))
  const result = await runMailboxListLoad({
    seconds: num(values.seconds, DEFAULT_LOAD.seconds),
    agents: num(values.agents, DEFAULT_LOAD.agents),
    conversations: num(values.conversations, DEFAULT_LOAD.conversations),
    lists: num(values.lists, DEFAULT_LOAD.lists),
    dwellMs: num(values['dwell-ms'], DEFAULT_LOAD.dwellMs),
  })
  process.stdout.write(formatMailboxListLoad(result))
  process.stdout.write(`${JSON.stringify(result)}\n`)
  process.exitCode = result.consistent ? 0 : 1
}
