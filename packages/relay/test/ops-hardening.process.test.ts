/**
 * Operating under abuse (issue 20, the small ones): refusal logs aggregated per reason and
 * interval (unit, injected clock; then over real sockets), failed handshakes rate-limited per
 * client address (unit; then a real flood behind a trusted proxy), and SIGTERM ending the
 * real CLI process within the shutdown timeout when its stdout reader went away (EPIPE) or
 * stopped reading (a full pipe).
 */
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import { conversationRoom } from '@sightline/protocol'
import { describe, expect, it, onTestFinished } from 'vitest'
import WebSocket from 'ws'
import { FailureBudget } from '../src/access/failure-budget.js'
import { RefusalLog } from '../src/ops/refusal-log.js'
import { CLI, TSX } from './cli-process.js'
import { freePort } from './cluster-fixtures.js'
import { join, mintToken, startRelay, TEST_SECRET } from './fixtures.js'
import { capturedLogger } from './helpers.js'

function clock() {
  let t = 0
  return {
    now: () => t,
    advance(ms: number) {
      t += ms
    },
  }
}

function logSpy() {
  const lines: { fields: Record<string, unknown>; msg: string }[] = []
  return {
    lines,
    log: {
      info: (fields: Record<string, unknown>, msg: string) => void lines.push({ fields, msg }),
    },
  }
}

describe('refusal log', () => {
  it('logs the first refusal of a reason at once and sums up the rest at the interval end', () => {
    const c = clock()
    const spy = logSpy()
    const refusals = new RefusalLog({ log: spy.log as never, intervalMs: 10_000, now: c.now })
    expect(refusals.note('refused', 'bad_token', '10.0.0.1')).toBe(true)
    for (let i = 0; i < 500; i++)
      expect(refusals.note('refused', 'bad_token', `10.0.0.${i % 7}`)).toBe(false)
    // Another reason has its own interval: logged at once.
    expect(refusals.note('refused', 'origin', '10.0.0.9')).toBe(true)
    // An admitted connection closed for the same reason is another kind.
    expect(refusals.note('closed', 'bad_token')).toBe(true)
    c.advance(9_999)
    refusals.tick()
    expect(spy.lines).toEqual([])
    c.advance(1)
    refusals.tick()
    expect(spy.lines).toEqual([
      {
        fields: { reason: 'bad_token', count: 500, addr: '10.0.0.0', intervalMs: 10_000 },
        msg: 'refused 500 more connections: bad_token',
      },
    ])
    // A new interval: its first one is logged in full again; nothing left to sum up.
    expect(refusals.note('refused', 'bad_token', '10.0.0.1')).toBe(true)
    c.advance(10_000)
    refusals.tick()
    expect(spy.lines).toHaveLength(1)
  })

  it('sums up an ended interval when the next refusal of its reason comes before the tick', () => {
    const c = clock()
    const spy = logSpy()
    const refusals = new RefusalLog({ log: spy.log as never, intervalMs: 1000, now: c.now })
    refusals.note('closed', 'rate_limited', 'a')
    refusals.note('closed', 'rate_limited', 'b')
    c.advance(1500)
    expect(refusals.note('closed', 'rate_limited', 'c')).toBe(true)
    expect(spy.lines.map((l) => l.msg)).toEqual(['closed 1 more connection: rate_limited'])
    refusals.note('closed', 'rate_limited', 'd')
    refusals.flush()
    expect(spy.lines.map((l) => l.msg)).toEqual([
      'closed 1 more connection: rate_limited',
      'closed 1 more connection: rate_limited',
    ])
  })
})

describe('failed-admission budget per address', () => {
  it('refuses an address after its burst, refills it, and leaves other addresses alone', () => {
    const c = clock()
    const budget = new FailureBudget({ burst: 20, refillPerSecond: 5, now: c.now })
    for (let i = 0; i < 20; i++) {
      expect(budget.exhausted('a')).toBe(false)
      budget.failed('a')
    }
    expect(budget.exhausted('a')).toBe(true)
    expect(budget.exhausted('b')).toBe(false)
    expect(budget.exhausted(undefined)).toBe(false)
    c.advance(200) // one token back (5/s)
    expect(budget.exhausted('a')).toBe(false)
    budget.failed('a')
    expect(budget.exhausted('a')).toBe(true)
    // Full again after burst / rate: the entry is dropped.
    c.advance(4000)
    budget.prune()
    expect(budget.size).toBe(0)
  })

  it('keeps at most maxAddresses entries', () => {
    const c = clock()
    const budget = new FailureBudget({ maxAddresses: 100, now: c.now })
    for (let i = 0; i < 10_000; i++) budget.failed(`10.${i >> 8}.${i & 255}.1`)
    expect(budget.size).toBeLessThanOrEqual(100)
  })
})

/**
 * Opens an upgrade; resolves with the close code (0: open, when `untilOpen`), or the HTTP
 * status of an upgrade refused before it was taken.
 */
function attempt(
  url: string,
  headers: Record<string, string>,
  untilOpen = false,
): Promise<{ code?: number; status?: number; ms: number }> {
  const start = performance.now()
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers })
    ws.on('error', () => {})
    ws.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode, ms: performance.now() - start })
      ws.terminate()
    })
    ws.on('open', () => {
      if (untilOpen) resolve({ code: 0, ms: performance.now() - start })
    })
    ws.on('close', (code) => resolve({ code, ms: performance.now() - start }))
  })
}

describe('a flood of bad upgrades', () => {
  it('gets 429 per forwarded address after its burst, while another address is admitted at once', async () => {
    const { logger, lines } = capturedLogger()
    const relay = await startRelay({ trustProxy: true, logger })
    const room = conversationRoom(1, `flood-${process.pid}`)
    const bad = `${relay.url}/${room}?token=not-a-token`
    const from = (addr: string) => ({ 'x-forwarded-for': `198.51.100.1, ${addr}` })
    // In waves of 5 at a time (a budget counts failures, so it sees those already settled).
    const outcomes: (number | undefined)[] = []
    for (let wave = 0; wave < 12; wave++) {
      const results = await Promise.all(
        Array.from({ length: 5 }, () => attempt(bad, from('203.0.113.7'))),
      )
      outcomes.push(...results.map((o) => o.status ?? o.code))
    }
    const refused = outcomes.filter((o) => o === 4401).length
    const limited = outcomes.filter((o) => o === 429).length
    // The burst of 20, plus what refilled (5/s) while the flood lasted.
    expect(refused).toBeGreaterThanOrEqual(20)
    expect(refused).toBeLessThanOrEqual(25)
    expect(refused + limited).toBe(60)
    // The same address keeps getting 429 while it keeps failing; a good token from another
    // forwarded address is admitted at once, and a bad one from a third still gets its 4401.
    const good = await mintToken({ sub: 'alice' })
    const [more, admitted, other] = await Promise.all([
      attempt(bad, from('203.0.113.7')),
      attempt(`${relay.url}/${room}?token=${good}`, from('203.0.113.8'), true),
      attempt(bad, from('203.0.113.9')),
    ])
    expect(more.status).toBe(429)
    expect(admitted.code).toBe(0)
    expect(admitted.ms).toBeLessThan(1000)
    expect(other.code).toBe(4401)
    const metrics = await (await fetch(`${relay.httpUrl}/metrics`)).text()
    expect(metrics).toContain(
      `sightline_relay_refusals_total{reason="address_rate_limited"} ${limited + 1}`,
    )
    expect(metrics).toContain(`sightline_relay_refusals_total{reason="bad_token"} ${refused + 1}`)
    // 62 refusals, one full line per reason so far; the rest summed up at the interval end
    // (here: on close).
    const refusalLines = () =>
      lines.map((l) => JSON.parse(l)).filter((l) => /refused|dropped before upgrade/.test(l.msg))
    expect(refusalLines()).toHaveLength(2)
    await relay.close()
    expect(refusalLines().map((l) => l.msg)).toEqual([
      'refused',
      'dropped before upgrade',
      `refused ${refused} more connections: bad_token`,
      `refused ${limited} more connections: address_rate_limited`,
    ])
    expect(refusalLines()[3].addr).toBe('203.0.113.7')
  })

  it("sums up admitted connections' closes per reason too (one line, not one per socket)", async () => {
    const { logger, lines } = capturedLogger()
    const relay = await startRelay({ logger })
    const room = conversationRoom(1, `closes-${process.pid}`)
    // Text frames are bad frames (4400): each closes its connection.
    const clients = await Promise.all(Array.from({ length: 10 }, () => join(relay, room, 'bob')))
    for (const c of clients) c.ws.send('not binary')
    await Promise.all(clients.map((c) => c.closed()))
    const closing = () =>
      lines.filter(
        (l) => l.includes('closing connection') || l.includes('more connections: bad_frame'),
      )
    expect(closing()).toHaveLength(1)
    await relay.close()
    expect(closing().map((l) => JSON.parse(l).msg)).toEqual([
      'closing connection',
      'closed 9 more connections: bad_frame',
    ])
  })
})

/** The real CLI with `stdout` given; stderr collected. Killed after the test. */
async function startCli(stdout: 'pipe' | number, env: Record<string, string> = {}) {
  const port = await freePort()
  const child = spawn(process.execPath, ['--conditions=source', '--import', TSX, CLI], {
    env: {
      PATH: process.env['PATH'] ?? '',
      SIGHTLINE_JWT_SECRET: TEST_SECRET,
      PORT: String(port),
      SIGHTLINE_LOG_LEVEL: 'debug',
      SIGHTLINE_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      ...env,
    },
    stdio: ['ignore', stdout, 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  const httpUrl = `http://127.0.0.1:${port}`
  await expect
    .poll(
      async () => {
        try {
          return (await fetch(`${httpUrl}/healthz`)).status
        } catch {
          return 0
        }
      },
      { timeout: 20_000, interval: 50 },
    )
    .toBe(200)
  return { child, exited, url: `ws://127.0.0.1:${port}`, stderr: () => stderr }
}

const SHUTDOWN_TIMEOUT_MS = 2000

/**
 * Makes the relay log (a refusal, a connection at debug), then SIGTERM: ms until it exited,
 * and its exit code.
 */
async function logThenTerminate(
  cli: Awaited<ReturnType<typeof startCli>>,
): Promise<{ ms: number; code: number | null }> {
  const room = conversationRoom(1, `stdout-${process.pid}`)
  await attempt(`${cli.url}/${room}?token=bad`, {})
  const token = await mintToken({ sub: 'alice' })
  const good = await attempt(`${cli.url}/${room}?token=${token}`, {}, true)
  expect(good.code).toBe(0)
  const start = performance.now()
  cli.child.kill('SIGTERM')
  const timeout = new Promise<'hung'>((resolve) =>
    setTimeout(() => resolve('hung'), SHUTDOWN_TIMEOUT_MS + 3000).unref(),
  )
  const result = await Promise.race([cli.exited, timeout])
  if (result === 'hung') expect.fail('the relay did not exit after SIGTERM')
  return { ms: performance.now() - start, code: result[0] }
}

describe('SIGTERM when the stdout reader has gone away', () => {
  it('exits within the shutdown timeout after its reader closed the pipe (EPIPE)', async () => {
    const cli = await startCli('pipe')
    cli.child.stdout?.destroy()
    const { ms, code } = await logThenTerminate(cli)
    expect(ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 500)
    // Drained, not crashed on EPIPE.
    expect(code).toBe(0)
    expect(cli.stderr()).not.toContain('Error')
  }, 30_000)

  it('exits within the shutdown timeout while its reader is alive but not reading (pipe full)', async () => {
    const dir = mkdtempSync(joinPath(tmpdir(), 'sightline-stdout-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const fifo = joinPath(dir, 'stdout')
    execFileSync('mkfifo', [fifo])
    // The reader: open, never read from.
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
    onTestFinished(() => closeSync(reader))
    // What the relay writes to: a plain (blocking) write end, as a shell pipeline gives it.
    const writeEnd = openSync(fifo, constants.O_WRONLY)
    const cli = await startCli(writeEnd)
    closeSync(writeEnd)
    // Fill the pipe to the last byte: from now on every write of the relay's would block.
    const filler = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK)
    onTestFinished(() => closeSync(filler))
    for (const chunk of [4096, 1]) {
      try {
        for (;;) writeSync(filler, Buffer.alloc(chunk, 0x20))
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('EAGAIN')
      }
    }
    const { ms, code } = await logThenTerminate(cli)
    expect(ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 500)
    expect(code).toBe(0)
  }, 30_000)
})
