/**
 * The orchestrator's side of the load generators: forks them (through a shell that raises
 * the open-file limit), sends commands and gathers the answers.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Command, Envelope, Reply } from './generator-protocol.js'
import { REPO_ROOT } from './servers.js'

const GENERATOR = join(dirname(fileURLToPath(import.meta.url)), 'generator.ts')
const SHELL_EXEC =
  'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$NODE_BIN" --conditions=source --import tsx "$0" "$@"'

export class GeneratorPool {
  readonly #children: ChildProcess[]
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>()
  #nextId = 0

  private constructor(children: ChildProcess[]) {
    this.#children = children
    for (const child of children) {
      child.on('message', (reply: Reply) => {
        const waiter = this.#pending.get(reply.id)
        if (waiter === undefined) return
        this.#pending.delete(reply.id)
        if (reply.ok) waiter.resolve(reply.result)
        else waiter.reject(new Error(`generator: ${reply.error}`))
      })
      child.on('exit', (code, signal) => {
        for (const [id, waiter] of this.#pending) {
          this.#pending.delete(id)
          waiter.reject(new Error(`generator exited (${code ?? signal}) with a command pending`))
        }
      })
    }
  }

  static start(count: number): GeneratorPool {
    const children = Array.from({ length: count }, () =>
      fork(GENERATOR, [], {
        execPath: '/bin/sh',
        execArgv: ['-c', SHELL_EXEC],
        cwd: REPO_ROOT,
        env: { ...process.env, NODE_BIN: process.execPath },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    )
    return new GeneratorPool(children)
  }

  /** Process ids of the generators (for their CPU use). */
  pids(): number[] {
    return this.#children.map((c) => c.pid ?? 0)
  }

  get size(): number {
    return this.#children.length
  }

  /** Sends `command` to generator `index` and resolves with its result. */
  send<T>(index: number, command: Command): Promise<T> {
    const child = this.#children[index]
    if (child === undefined) return Promise.reject(new Error(`no generator ${index}`))
    const id = ++this.#nextId
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      child.send({ id, command } satisfies Envelope)
    })
  }

  /** Sends a command (or one per generator) to all generators. */
  all<T>(command: Command | ((index: number) => Command)): Promise<T[]> {
    return Promise.all(
      this.#children.map((_, i) =>
        this.send<T>(i, typeof command === 'function' ? command(i) : command),
      ),
    )
  }

  /** Asks every generator to close its sockets and exit; kills those that do not. */
  async close(): Promise<void> {
    await Promise.race([
      this.all({ type: 'shutdown' }).catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, 5000)),
    ])
    await Promise.all(
      this.#children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return
        const exited = once(child, 'exit')
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
        await exited
        clearTimeout(timer)
      }),
    )
  }
}
