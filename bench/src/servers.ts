/**
 * The servers under test, each in its own process, started through a shell that raises
 * the open-file limit to its hard maximum, all with the same after-GC memory probe preloaded
 * (`--expose-gc --require gc-probe.cjs`, see `memoryAfterGc`):
 *
 * - `sightline`: the relay's own built CLI (`packages/relay/dist/cli.js`, built by
 *   `buildRelay` before the run), run with plain node as users run it (`pnpm relay`),
 *   configured through its environment variables, on its default socket layer (`ws`);
 * - `sightline-uws`: the same CLI with `SIGHTLINE_TRANSPORT=uws` (uWebSockets.js);
 * - `reference`: `@y/websocket-server@0.1.1`'s own `src/server.js`, on 127.0.0.1, no
 *   persistence (YPERSISTENCE unset), exactly as a user would start it;
 * - `hocuspocus`: `@hocuspocus/server` 4.x started as its README starts it, no extensions, no
 *   hooks (`hocuspocus-server.mjs`), on 127.0.0.1.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isSightline, type ServerKind, sightlineTransport } from './generator-protocol.js'

const SRC = dirname(fileURLToPath(import.meta.url))
export const REPO_ROOT = join(SRC, '..', '..')
/**
 * The relay CLI to run. `SIGHTLINE_BENCH_RELAY_CLI` points the bench at another copy (for
 * measuring a candidate change to the relay against the committed one); a `.ts` path runs on
 * source through tsx (whose loader adds ~50 MB of RSS and start-up time, so it is not the
 * default: that would be measuring tsx, not the relay).
 */
const CUSTOM_RELAY_CLI = process.env['SIGHTLINE_BENCH_RELAY_CLI']
const RELAY_CLI = CUSTOM_RELAY_CLI ?? join(REPO_ROOT, 'packages', 'relay', 'dist', 'cli.js')
const REFERENCE_SERVER = join(
  dirname(createRequire(import.meta.url).resolve('@y/websocket-server/package.json')),
  'src',
  'server.js',
)

/** The Hocuspocus server's start file (reads HOST and PORT from the environment). */
const HOCUSPOCUS_SERVER = join(SRC, 'hocuspocus-server.mjs')
/** Preloaded into every server: on SIGUSR2, GC twice and write the memory use (gc-probe.cjs). */
const GC_PROBE = join(SRC, 'gc-probe.cjs')
const GC_PROBE_TIMEOUT_MS = 20_000

/** Raise the soft fd limit to the hard one, then become the command. */
const ULIMIT_EXEC = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"'

export interface ServerConfig {
  readonly kind: ServerKind
  /** Extra environment (Sightline: SIGHTLINE_* variables). */
  readonly env: Readonly<Record<string, string>>
  /** Directory for a V8 CPU profile of the server (`node --cpu-prof`), if wanted. */
  readonly cpuProfDir?: string | undefined
}

/** A server's memory right after two full garbage collections (gc-probe.cjs). */
export interface GcSample {
  /** VmRSS from /proc/self/status, bytes. */
  readonly vmRssBytes: number
  /** `process.memoryUsage()`, bytes. */
  readonly rss: number
  readonly heapTotal: number
  readonly heapUsed: number
  readonly external: number
  readonly arrayBuffers: number
}

export interface ServerProcess {
  readonly kind: ServerKind
  readonly port: number
  readonly url: string
  pid(): number
  /** Has the server collect its garbage (twice) and report its memory then (gc-probe.cjs). */
  memoryAfterGc(): Promise<GcSample>
  /** Kills with SIGKILL (no close frames), then starts it again on the same port. */
  killAndRestart(): Promise<{ killedAtUs: number; listeningAtUs: number }>
  kill9(): Promise<void>
  start(): Promise<void>
  /** Orderly stop (SIGTERM), SIGKILL after 5 s. */
  stop(): Promise<void>
}

/**
 * Builds the relay and the packages it depends on (`dist/`), so the bench runs what
 * `pnpm relay` runs. Skipped when `SIGHTLINE_BENCH_RELAY_CLI` names another copy.
 */
export async function buildRelay(): Promise<void> {
  if (CUSTOM_RELAY_CLI !== undefined) return
  const child = spawn(
    'npx',
    ['-y', 'pnpm@12.4.2', '--filter', '@sightline/relay...', 'run', 'build'],
    { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  const [code] = (await once(child, 'exit')) as [number | null]
  if (code !== 0) throw new Error(`building the relay failed (${code}):\n${stderr}`)
}

/** A free TCP port on 127.0.0.1 (the servers need one they can bind again after a restart). */
export async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** The hard open-file limit a process started by us can raise itself to. */
export async function hardFdLimit(): Promise<number> {
  const child = spawn('/bin/sh', ['-c', 'ulimit -Hn'], { stdio: ['ignore', 'pipe', 'ignore'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString()
  })
  await once(child, 'exit')
  const n = Number(out.trim())
  return Number.isFinite(n) ? n : Number.POSITIVE_INFINITY
}

export async function createServerProcess(config: ServerConfig): Promise<ServerProcess> {
  const port = await freePort()
  let child: ChildProcess | null = null
  let stderr = ''
  /** Set while we stop or kill the server ourselves. */
  let stopping = false

  const probeFile = join(tmpdir(), `sightline-bench-gc-${process.pid}-${port}.json`)
  const env = {
    ...process.env,
    // The kind's socket layer, over our own environment's; `config.env` may still set one.
    ...(isSightline(config.kind) ? { SIGHTLINE_TRANSPORT: sightlineTransport(config.kind) } : {}),
    ...config.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    SIGHTLINE_BENCH_GC_PROBE_FILE: probeFile,
  }

  async function start(): Promise<void> {
    stderr = ''
    stopping = false
    const c = spawn('/bin/sh', ['-c', ULIMIT_EXEC, process.execPath, ...serverArgs(config)], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    c.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000)
    })
    child = c
    c.on('exit', (code, signal) => {
      if (child === c && !stopping) {
        process.stderr.write(
          `bench: ${config.kind} server exited unexpectedly (${code ?? signal}):\n${stderr}\n`,
        )
      }
    })
    const exited = once(c, 'exit').then(() => {
      throw new Error(`${config.kind} server exited during start: ${stderr}`)
    })
    await Promise.race([waitHealthy(port), exited])
    exited.catch(() => {})
  }

  async function kill9(): Promise<void> {
    const c = child
    if (c === null || c.exitCode !== null || c.signalCode !== null) return
    stopping = true
    const exited = once(c, 'exit')
    c.kill('SIGKILL')
    await exited
  }

  await start()
  return {
    kind: config.kind,
    port,
    url: `ws://127.0.0.1:${port}`,
    pid: () => child?.pid ?? 0,
    memoryAfterGc: () => probeMemory(config.kind, child, probeFile),
    start,
    kill9,
    async killAndRestart() {
      const killedAtUs = nowUs()
      await kill9()
      await start()
      return { killedAtUs, listeningAtUs: nowUs() }
    },
    async stop() {
      const c = child
      if (c === null || c.exitCode !== null || c.signalCode !== null) return
      stopping = true
      await terminate(c)
    },
  }
}

/** Node's arguments for a server: the GC probe, a CPU profile if wanted, its start file. */
function serverArgs(config: ServerConfig): string[] {
  const probe = ['--expose-gc', '--require', GC_PROBE]
  const prof = config.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', config.cpuProfDir] : []
  if (isSightline(config.kind)) {
    const tsx = RELAY_CLI.endsWith('.ts') ? ['--conditions=source', '--import', 'tsx'] : []
    return [...probe, ...prof, ...tsx, RELAY_CLI]
  }
  return [...probe, ...prof, config.kind === 'hocuspocus' ? HOCUSPOCUS_SERVER : REFERENCE_SERVER]
}

/** Has the server's GC probe (SIGUSR2) write its memory after GC to `probeFile`, and reads it. */
async function probeMemory(
  kind: ServerKind,
  c: ChildProcess | null,
  probeFile: string,
): Promise<GcSample> {
  if (c === null || c.exitCode !== null || c.signalCode !== null) {
    throw new Error(`${kind} server is not running`)
  }
  rmSync(probeFile, { force: true })
  c.kill('SIGUSR2')
  const deadline = performance.now() + GC_PROBE_TIMEOUT_MS
  for (;;) {
    try {
      const sample = JSON.parse(readFileSync(probeFile, 'utf8')) as GcSample
      rmSync(probeFile, { force: true })
      return sample
    } catch {
      if (performance.now() > deadline) {
        throw new Error(`${kind} server wrote no GC probe in ${GC_PROBE_TIMEOUT_MS} ms`)
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
}

/** SIGTERM, SIGKILL after 5 s; resolves on the exit. */
async function terminate(c: ChildProcess): Promise<void> {
  const exited = once(c, 'exit')
  c.kill('SIGTERM')
  const timer = setTimeout(() => c.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

/** Polls the server's HTTP endpoint until it answers 200 (all of them answer plain GETs). */
async function waitHealthy(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`)
      await res.text()
      if (res.status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`server on port ${port} did not become healthy in ${timeoutMs} ms`)
}

function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000)
}
