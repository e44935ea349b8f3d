/**
 * A load-generator process (started with `child_process.fork` by the orchestrator). It hosts
 * many simulated tabs on raw sockets, drives their behaviour from one ticker, and answers the
 * orchestrator's commands (generator-protocol.ts). A generator always owns whole rooms, so
 * every sender and all its receivers share one process and one clock.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { SignJWT } from 'jose'
import type {
  Behaviour,
  ChurnResult,
  Command,
  Envelope,
  GeneratorStats,
  GhostResult,
  Reply,
  Routing,
  ServerKind,
} from './generator-protocol.js'
import { Histogram } from './histogram.js'
import { Tab, type TabHost } from './tab.js'
import { nowUs } from './tab-wire.js'

/** The presence client checks whether its state needs renewing this often (ms). */
const RENEW_CHECK_MS = 4000
/**
 * How often each tab's liveness is looked at: a tab's heartbeat or keepalive leaves within this
 * of its due time, well before the relay's ping (7.5 s of silence against the 7 s period).
 */
const LIVENESS_CHECK_MS = 250

function emptyStats(): Omit<GeneratorStats, 'latency' | 'connect'> {
  return {
    closeCodes: {},
    connectErrors: {},
    windowMs: 0,
    tabsOpen: 0,
    connectFailures: 0,
    unexpectedCloses: 0,
    loopLagMaxMs: 0,
    changesSent: 0,
    renewalsSent: 0,
    heartbeatsSent: 0,
    framesTx: 0,
    bytesTx: 0,
    framesRx: 0,
    bytesRx: 0,
    heartbeatsRx: 0,
    pingsRx: 0,
    appearances: 0,
    changeDeliveries: 0,
    crossNodeDeliveries: 0,
    duplicates: 0,
    echoes: 0,
    removals: 0,
    ignored: 0,
  }
}

/** A dropped tab whose removal the generator waits to see at each room-mate. */
interface Watch {
  readonly startUs: number
  readonly latency: Histogram
  seen: number
}

class Generator implements TabHost {
  stats = { ...emptyStats() } as GeneratorStats
  readonly latency = new Histogram()
  readonly connectLatency = new Histogram()
  readonly #loopLag = monitorEventLoopDelay({ resolution: 20 })
  reconnect = false
  #serverKind: ServerKind = 'sightline'
  /** Server URLs: one, or the nodes of a cluster (see `nodeOf`). */
  #urls: readonly string[] = []
  #routing: Routing = 'tab'
  #key: Uint8Array | null = null
  #behaviour: Behaviour = { heartbeatMs: 0, renewMs: 15_000, changeMs: 0, reconnect: false }
  #addresses: readonly string[] = ['127.0.0.1']
  #tickMs = 10
  #tick = 0
  #ticker: NodeJS.Timeout | null = null
  #changesOn = false
  #markedAt = performance.now()
  /** Tabs driven by the ticker (churners and dropped tabs are not). */
  readonly tabs: Tab[] = []
  readonly #tokens = new Map<string, string>()
  readonly #watches = new Map<number, Watch>()
  /** Rooms that lost a tab to a ghost measurement: not used for another one. */
  readonly #ghostRooms = new Set<string>()
  #restored: (() => void) | null = null
  #fullyPresent = 0

  init(c: Extract<Command, { type: 'init' }>): void {
    this.#serverKind = c.serverKind
    this.#urls = c.urls !== undefined && c.urls.length > 0 ? c.urls : [c.url]
    this.#routing = c.routing ?? 'tab'
    this.#key = c.jwtSecret === null ? null : new TextEncoder().encode(c.jwtSecret)
    this.#behaviour = c.behaviour
    this.reconnect = c.behaviour.reconnect
    this.#addresses = c.localAddresses
    this.#tickMs = c.tickMs
    this.stats.latency = this.latency.toData()
    this.#ticker = setInterval(() => this.#onTick(), this.#tickMs)
    this.#loopLag.enable()
  }

  get serverKind(): ServerKind {
    return this.#serverKind
  }

  async urlFor(tab: Tab): Promise<string> {
    const node =
      this.#routing === 'mailbox' ? this.#nodeOfKey(mailboxOf(tab.room)) : this.nodeOf(tab.clientId)
    const base = `${this.#urls[node]}/${tab.room}`
    if (this.#key === null) return base
    let token = this.#tokens.get(tab.agentId)
    if (token === undefined) {
      token = await new SignJWT({ name: tab.name, rooms: [tab.room] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(tab.agentId)
        .setExpirationTime('6h')
        .sign(this.#key)
      this.#tokens.set(tab.agentId, token)
    }
    return `${base}?token=${token}`
  }

  /**
   * The node a tab connects to: a hash of its client ID, so tabs spread over the nodes as a
   * load balancer spreads them (uniformly and independently of their room-mates: a room's
   * tabs share a node as often as chance has it), reproducibly from run to run. A full
   * mixer (murmur3's finaliser), not a multiplicative hash: that spreads consecutive IDs,
   * i.e. room-mates, evenly over the nodes, and more deliveries would cross than by chance.
   */
  nodeOf(clientId: number): number {
    return this.#nodeOfKey(clientId)
  }

  #nodeOfKey(key: number): number {
    const n = this.#urls.length
    if (n <= 1) return 0
    let h = key
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
    return ((h ^ (h >>> 16)) >>> 0) % n
  }

  onChangeDelivered(receiver: Tab, senderId: number): void {
    // Routed by mailbox, room-mates always share a node.
    if (this.#routing === 'mailbox') return
    if (this.nodeOf(receiver.clientId) !== this.nodeOf(senderId)) this.stats.crossNodeDeliveries++
  }

  onConnectError(_tab: Tab, error: Error): void {
    const code = (error as NodeJS.ErrnoException).code ?? error.message.slice(0, 80)
    const errors = this.stats.connectErrors
    errors[code] = (errors[code] ?? 0) + 1
  }

  localAddressFor(tab: Tab): string {
    return this.#addresses[tab.clientId % this.#addresses.length]!
  }

  onRemovalSeen(_receiver: Tab, clientId: number): void {
    const w = this.#watches.get(clientId)
    if (w === undefined) return
    w.seen++
    w.latency.record(nowUs() - w.startUs)
  }

  onPresenceChange(receiver: Tab): void {
    // Counts the ticker's tabs that see all their room-mates (churners are not counted).
    const flag = receiverFull.get(receiver)
    if (flag === undefined) return
    const full = receiver.presentPeers === receiver.roomSize - 1
    if (full !== flag) {
      receiverFull.set(receiver, full)
      this.#fullyPresent += full ? 1 : -1
      if (this.#fullyPresent === this.tabs.length) this.#restored?.()
    }
  }

  onLost(_tab: Tab, neverOpened: boolean): void {
    if (neverOpened) this.stats.connectFailures++
    else this.stats.unexpectedCloses++
  }

  async addRooms(c: Extract<Command, { type: 'addRooms' }>) {
    const added: Tab[] = []
    for (let r = c.firstRoom; r < c.firstRoom + c.count; r++) {
      const room = roomName(r)
      for (let k = 0; k < c.roomSize; k++) {
        const tab = new Tab(this, 1 + r * c.roomSize + k, room, c.roomSize)
        receiverFull.set(tab, false)
        added.push(tab)
      }
    }
    let opened = 0
    let next = 0
    const worker = async () => {
      while (next < added.length) {
        const tab = added[next++]!
        this.tabs.push(tab)
        if (await tab.connect()) opened++
      }
    }
    await Promise.all(Array.from({ length: c.connectConcurrency }, worker))
    return { opened, failed: added.length - opened }
  }

  /**
   * Resolves when every tab sees all its room-mates on a socket opened after `afterUs`, or
   * after `timeoutMs`; `missing` counts the tabs still short of a room-mate.
   */
  waitAllPresent(
    timeoutMs: number,
    afterUs = 0,
  ): Promise<{ ok: boolean; atUs: number; missing: number }> {
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer)
        this.#restored = null
        resolve({ ok, atUs: nowUs(), missing: this.tabs.length - this.#fullyPresent })
      }
      const timer = setTimeout(() => done(false), timeoutMs)
      const check = () => {
        if (this.#fullyPresent !== this.tabs.length) return
        if (this.tabs.every((t) => t.openedAtUs > afterUs)) done(true)
      }
      this.#restored = check
      check()
    })
  }

  setChanges(on: boolean): void {
    this.#changesOn = on
  }

  mark(): void {
    const open = this.stats.tabsOpen
    this.stats = { ...emptyStats(), tabsOpen: open } as GeneratorStats
    this.latency.reset()
    this.connectLatency.reset()
    this.#loopLag.reset()
    this.#markedAt = performance.now()
  }

  collect(): GeneratorStats {
    return {
      ...this.stats,
      windowMs: performance.now() - this.#markedAt,
      loopLagMaxMs: this.#loopLag.count > 0 ? this.#loopLag.max / 1e6 : 0,
      latency: this.latency.toData(),
      connect: this.connectLatency.toData(),
    }
  }

  /** Drops `count` tabs (one per room) and measures until their room-mates see them gone. */
  async ghost(c: Extract<Command, { type: 'ghost' }>): Promise<GhostResult> {
    const victims: Tab[] = []
    for (const tab of this.tabs) {
      if (victims.length >= c.count) break
      if (tab.status !== 'open' || this.#ghostRooms.has(tab.room)) continue
      this.#ghostRooms.add(tab.room)
      victims.push(tab)
    }
    const latency = new Histogram()
    const startUs = nowUs()
    for (const v of victims) this.#watches.set(v.clientId, { startUs, latency, seen: 0 })
    // Dropped tabs leave the ticker and the "all present" bookkeeping for good.
    for (const v of victims) this.#remove(v)
    for (const v of victims) {
      if (c.mode === 'close') v.close()
      else v.goSilent()
    }
    const expected = victims.reduce((n, v) => n + v.roomSize - 1, 0)
    const seen = () => victims.reduce((n, v) => n + (this.#watches.get(v.clientId)?.seen ?? 0), 0)
    const deadline = performance.now() + c.capMs
    while (seen() < expected && performance.now() < deadline) await delay(20)
    const result: GhostResult = {
      mode: c.mode,
      dropped: victims.length,
      seen: seen(),
      expected,
      latency: latency.toData(),
    }
    for (const v of victims) {
      this.#watches.delete(v.clientId)
      v.terminate()
    }
    return result
  }

  /** Opens `ratePerSec` short-lived tabs per second into the existing rooms for `durationMs`. */
  async churn(c: Extract<Command, { type: 'churn' }>): Promise<ChurnResult> {
    const rooms = [...new Set(this.tabs.map((t) => t.room))]
    const join = new Histogram()
    const leave = new Histogram()
    const before = { ...this.stats }
    const latencyBefore = this.latency.toData()
    this.latency.reset()
    this.connectLatency.reset()
    let joins = 0
    let leaves = 0
    let failed = 0
    let nextId = c.clientIdBase
    const pending: Promise<void>[] = []
    const startedAt = performance.now()
    let started = 0
    while (performance.now() - startedAt < c.durationMs) {
      const due = Math.floor(((performance.now() - startedAt) / 1000) * c.ratePerSec)
      for (; started < due; started++) {
        const room = rooms[started % rooms.length]!
        const tab = new Tab(this, nextId++, room, c.roomSize)
        pending.push(
          tab.connect().then(async (ok) => {
            if (!ok) {
              failed++
              return
            }
            joins++
            await delay(c.lifetimeMs)
            const w: Watch = { startUs: nowUs(), latency: leave, seen: 0 }
            this.#watches.set(tab.clientId, w)
            tab.leave()
            leaves++
            await delay(1000)
            this.#watches.delete(tab.clientId)
          }),
        )
      }
      await delay(this.#tickMs)
    }
    await Promise.all(pending)
    const durationMs = performance.now() - startedAt
    join.merge(this.latency.toData())
    const connect = this.connectLatency.toData()
    this.latency.reset()
    this.latency.merge(latencyBefore)
    // Failed connects and closes of churners are expected traffic, not errors of the base.
    this.stats.connectFailures = before.connectFailures
    this.stats.unexpectedCloses = before.unexpectedCloses
    return {
      joins,
      leaves,
      failed,
      durationMs,
      join: join.toData(),
      leave: leave.toData(),
      connect,
    }
  }

  shutdown(): void {
    if (this.#ticker) clearInterval(this.#ticker)
    for (const tab of this.tabs) tab.terminate()
  }

  #remove(tab: Tab): void {
    const i = this.tabs.indexOf(tab)
    if (i !== -1) this.tabs.splice(i, 1)
    if (receiverFull.get(tab)) this.#fullyPresent--
    receiverFull.delete(tab)
  }

  /** One tick: each periodic behaviour visits the tabs whose turn it is (index mod period). */
  #onTick(): void {
    this.#tick++
    const b = this.#behaviour
    const n = this.tabs.length
    const nowMs = performance.now()
    const checkSlots = Math.max(1, Math.round(LIVENESS_CHECK_MS / this.#tickMs))
    const renewSlots = Math.max(1, Math.round(RENEW_CHECK_MS / this.#tickMs))
    if (b.heartbeatMs > 0) {
      for (let i = this.#tick % checkSlots; i < n; i += checkSlots) {
        this.tabs[i]!.liveness(nowMs, b.heartbeatMs)
      }
    }
    if (b.renewMs > 0) {
      for (let i = this.#tick % renewSlots; i < n; i += renewSlots) {
        this.tabs[i]!.renewIfDue(nowMs, b.renewMs)
      }
    }
    if (this.#changesOn && b.changeMs > 0) {
      const slots = Math.max(1, Math.round(b.changeMs / this.#tickMs))
      for (let i = this.#tick % slots; i < n; i += slots) this.tabs[i]!.change()
    }
  }
}

const receiverFull = new WeakMap<Tab, boolean>()

/** The mailbox number in a room name of `roomName`. */
export function mailboxOf(room: string): number {
  return Number(/^mailbox\/(\d+)\//.exec(room)?.[1] ?? 0)
}

/** Room `r` of the bench: spread over mailboxes of 100 conversations. */
export function roomName(r: number): string {
  return `mailbox/${Math.floor(r / 100) + 1}/conversation/${r}`
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function handle(g: Generator, command: Command): Promise<unknown> {
  switch (command.type) {
    case 'init':
      return g.init(command)
    case 'addRooms':
      return g.addRooms(command)
    case 'settle':
      return g.waitAllPresent(command.timeoutMs)
    case 'waitRestored':
      return g.waitAllPresent(command.timeoutMs, command.afterUs)
    case 'changes':
      return g.setChanges(command.on)
    case 'mark':
      return g.mark()
    case 'collect':
      return g.collect()
    case 'ghost':
      return g.ghost(command)
    case 'churn':
      return g.churn(command)
    case 'shutdown':
      g.shutdown()
      setTimeout(() => process.exit(0), 50)
      return null
  }
}

if (process.send !== undefined) {
  const generator = new Generator()
  const reply = (r: Reply) => process.send?.(r)
  process.on('message', (message: Envelope) => {
    handle(generator, message.command).then(
      (result) => reply({ id: message.id, ok: true, result: result ?? null }),
      (error: unknown) =>
        reply({ id: message.id, ok: false, error: (error as Error).stack ?? String(error) }),
    )
  })
  // The orchestrator is gone: nothing left to report to.
  process.on('disconnect', () => process.exit(0))
}
