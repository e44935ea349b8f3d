/**
 * deploy/Dockerfile as far as it can be checked without a Docker engine:
 *  - the runtime image is right on paper: a maintained Node LTS base, non-root, HEALTHCHECK on
 *    /healthz, STOPSIGNAL SIGTERM, exec-form CMD;
 *  - .dockerignore keeps host node_modules and dist out and everything the build needs in;
 *  - the build stage's RUN commands, run as written in a copy of the build context (what
 *    .dockerignore lets through), produce a pruned production install in which the relay
 *    starts with the image's CMD and answers /healthz, with no development dependency in it.
 * Only the base image and `npm install -g pnpm` are left to Docker (pnpm comes from PATH).
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { networkInterfaces, tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { PNPM, repoRoot, run } from './support/commands.js'
import { type RelayCli, startRelayCli } from './support/relay-cli.js'

interface Instruction {
  readonly stage: string
  readonly keyword: string
  readonly args: string
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped, by stage. */
function instructions(): Instruction[] {
  const text = readFileSync(join(repoRoot, 'deploy/Dockerfile'), 'utf8')
  const lines = text
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() !== '')
  let stage = ''
  return lines.map((line) => {
    const [, keyword = '', args = ''] = /^\s*(\S+)\s*(.*)$/.exec(line) ?? []
    if (keyword === 'FROM') stage = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? ''
    return { stage, keyword: keyword.toUpperCase(), args: args.trim() }
  })
}

/** A .dockerignore matcher: Go filepath.Match patterns with `**`, `!` exceptions, last wins. */
function dockerignore(): (path: string) => boolean {
  const rules = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!')
      const pattern = (negate ? line.slice(1) : line).replace(/^\/+|\/+$/g, '')
      const source = pattern
        .split('/')
        .map((part) =>
          part === '**'
            ? '.*'
            : part
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\.\*\//g, '(?:.*/)?')
      // A pattern that matches a folder excludes everything below it.
      return { negate, regex: new RegExp(`^${source}(?:/.*)?$`) }
    })
  return (path) => {
    let excluded = false
    for (const rule of rules) if (rule.regex.test(path)) excluded = !rule.negate
    return excluded
  }
}

/** Copies the build context Docker would send (the repository minus .dockerignore). */
function copyContext(to: string): number {
  const excluded = dockerignore()
  let files = 0
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      const rel = relative(repoRoot, path)
      if (excluded(rel)) continue
      if (entry.isDirectory()) walk(path)
      else if (entry.isFile()) {
        mkdirSync(dirname(join(to, rel)), { recursive: true })
        copyFileSync(path, join(to, rel))
        files++
      }
    }
  }
  walk(repoRoot)
  return files
}

/** PATH without any node_modules/.bin (which `pnpm test` puts there for this checkout). */
function hostPath(): string[] {
  return (process.env['PATH'] ?? '').split(':').filter((dir) => !dir.includes('node_modules'))
}

describe('deploy/Dockerfile', () => {
  const all = instructions()
  const runtime = all.filter((i) => i.stage === 'runtime')

  it('runs on a maintained Node LTS, as a non-root user, with a health check and SIGTERM', () => {
    const nodeVersion = /^ARG NODE_VERSION=(\d+)$/m.exec(
      readFileSync(join(repoRoot, 'deploy/Dockerfile'), 'utf8'),
    )?.[1]
    // Node 20 left maintenance in April 2026; 22 and 24 are the LTS lines.
    expect(['22', '24']).toContain(nodeVersion)
    for (const from of all.filter((i) => i.keyword === 'FROM')) {
      expect(from.args).toMatch(/^node:\$\{NODE_VERSION\}-bookworm-slim AS \w+$/)
    }
    expect(runtime.find((i) => i.keyword === 'USER')?.args).toBe('node')
    expect(runtime.find((i) => i.keyword === 'HEALTHCHECK')?.args).toContain('/healthz')
    expect(runtime.find((i) => i.keyword === 'STOPSIGNAL')?.args).toBe('SIGTERM')
    // Exec form, so node is PID 1 and gets the signal itself.
    expect(runtime.find((i) => i.keyword === 'CMD')?.args).toBe('["node", "dist/cli.js"]')
    expect(runtime.filter((i) => i.keyword === 'COPY').map((i) => i.args)).toEqual([
      '--from=build --chown=root:root /out /app',
    ])
  })

  it('pins the pnpm of package.json’s packageManager', () => {
    const pinned = (
      JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { packageManager: string }
    ).packageManager
    const arg = all.find((i) => i.keyword === 'ARG' && i.args.startsWith('PNPM_VERSION='))
    expect(`pnpm@${arg?.args.split('=')[1]}`).toBe(pinned)
  })

  it('.dockerignore keeps host installs and builds out, and what the build needs in', () => {
    const excluded = dockerignore()
    for (const path of [
      'node_modules/.pnpm/lock.yaml',
      'packages/relay/node_modules/ws/index.js',
      'packages/relay/dist/cli.js',
      'apps/agent-desk/dist/index.html',
      '.git/HEAD',
      '.env',
      'packages/relay/.env',
      'e2e/.artifacts/report/index.html',
    ]) {
      expect(excluded(path), path).toBe(true)
    }
    for (const path of [
      'package.json',
      'pnpm-lock.yaml',
      'pnpm-workspace.yaml',
      'tsconfig.base.json',
      'packages/relay/package.json',
      'packages/relay/tsconfig.build.json',
      'packages/relay/src/cli.ts',
      'packages/protocol/src/index.ts',
      'LICENSE',
    ]) {
      expect(excluded(path), path).toBe(false)
      expect(existsSync(join(repoRoot, path)), `${path} exists`).toBe(true)
    }
  })

  describe('the build stage, run in a copy of the build context', () => {
    let work = ''
    let relay: RelayCli | undefined

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'sightline-image-'))
      const src = join(work, 'src')
      const out = join(work, 'out')
      const files = copyContext(src)
      expect(files).toBeGreaterThan(50)
      // `pnpm` on PATH as the pinned version, instead of `npm install -g` in the image.
      const bin = join(work, 'bin')
      mkdirSync(bin)
      writeFileSync(join(bin, 'pnpm'), `#!/bin/sh\nexec ${PNPM.join(' ')} "$@"\n`, { mode: 0o755 })
      const build = all.filter((i) => i.stage === 'build')
      expect(build.find((i) => i.keyword === 'WORKDIR')?.args).toBe('/src')
      for (const step of build.filter((i) => i.keyword === 'RUN')) {
        if (/^npm install -g pnpm@/.test(step.args)) continue
        const command = step.args.replaceAll('/out', out)
        await run('sh', ['-ec', command], {
          cwd: src,
          // No node_modules/.bin of this checkout on PATH: the build must find its own tools.
          env: { PATH: [bin, ...hostPath()].join(':'), CI: 'true' },
        })
      }
    }, 300_000)

    afterAll(async () => {
      await relay?.stop()
      if (work !== '') rmSync(work, { recursive: true, force: true })
    })

    it('leaves production dependencies only, and no sources', () => {
      const out = join(work, 'out')
      const modules = readdirSync(join(out, 'node_modules'))
      expect(modules).toEqual(expect.arrayContaining(['ws', 'pino', 'yjs', '@sightline']))
      // y-websocket is the relay's devDependency (tests); typescript the root's.
      expect(modules).not.toContain('y-websocket')
      expect(modules).not.toContain('typescript')
      expect(existsSync(join(out, 'src'))).toBe(false)
      expect(existsSync(join(out, 'dist/cli.js'))).toBe(true)
    })

    it('dist/cli.js is executable and prints the version, as docs/operations.md runs it', async () => {
      const cli = join(work, 'out/dist/cli.js')
      expect(statSync(cli).mode & 0o111, 'dist/cli.js has execute bits').toBe(0o111)
      const { version } = JSON.parse(
        readFileSync(join(repoRoot, 'packages/relay/package.json'), 'utf8'),
      ) as { version: string }
      const { stdout } = await run(cli, ['--version'], { cwd: join(work, 'out') })
      expect(stdout.trim()).toBe(version)
      // The docs name the command as it is, and no release that does not exist.
      const doc = readFileSync(join(repoRoot, 'docs/operations.md'), 'utf8')
      expect(doc).toContain('/opt/sightline-relay/dist/cli.js --version')
      expect(doc).toContain('git checkout v<version>')
      for (const [tag] of doc.matchAll(/\bv\d+\.\d+\.\d+\b/g)) expect(tag).toBe(`v${version}`)
    })

    it('the `docker run` line of its header starts the relay without a warning, /metrics beyond loopback', async ({
      onTestFinished,
    }) => {
      const text = readFileSync(join(repoRoot, 'deploy/Dockerfile'), 'utf8')
      const line = /^#\s+(docker run .*)$/m.exec(text)?.[1] ?? ''
      expect(line).toMatch(/ sightline-relay$/)
      // What the container's process sees: the image's ENV, then the line's -e flags.
      const env: Record<string, string> = {}
      for (const i of runtime.filter((i) => i.keyword === 'ENV')) {
        for (const pair of i.args.split(/\s+/)) {
          const [name = '', value = ''] = pair.split('=')
          env[name] = value
        }
      }
      for (const [, name = '', value = ''] of line.matchAll(/-e (\w+)=(\S+)/g)) env[name] = value
      expect(env['SIGHTLINE_JWT_SECRET']).toBe('...')
      env['SIGHTLINE_JWT_SECRET'] = 'container-test-secret-0123456789abcdef'
      expect(env['HOST']).toBe('0.0.0.0')
      expect(env['SIGHTLINE_METRICS_HOST']).toBeUndefined()
      // The line publishes the ports the image listens on (free ones here, the rest as is).
      expect(line).toContain(`-p 1234:${env['PORT']}`)
      expect(line).toContain(`:9464:${env['SIGHTLINE_METRICS_PORT']}`)
      const relay = await startRelayCli({
        command: process.execPath,
        args: ['dist/cli.js'],
        cwd: join(work, 'out'),
        env: { ...env, PORT: '0', SIGHTLINE_METRICS_PORT: '0' },
      })
      onTestFinished(async () => {
        await relay.stop()
      })
      expect(relay.output()).not.toContain('warning')
      // Prometheus reaches the container from outside its loopback: any address answers.
      const port = new URL(relay.metricsUrl).port
      const outside = Object.values(networkInterfaces())
        .flat()
        .find((a) => a?.family === 'IPv4' && !a.internal)?.address
      for (const host of ['127.0.0.1', ...(outside ? [outside] : [])]) {
        const res = await fetch(`http://${host}:${port}/metrics`)
        expect(res.status, host).toBe(200)
      }
      expect((await fetch(`${relay.httpUrl}/metrics`)).status).toBe(404)
    })

    it('has the files the systemd unit names, when installed at /opt/sightline-relay', () => {
      const unit = readFileSync(join(repoRoot, 'deploy/sightline-relay.service'), 'utf8')
      const paths = [...unit.matchAll(/\/opt\/sightline-relay\/[\w./-]+/g)].map((m) => m[0])
      expect(paths).toEqual(
        expect.arrayContaining([
          '/opt/sightline-relay/dist/cli.js',
          '/opt/sightline-relay/README.md',
        ]),
      )
      for (const path of paths) {
        const installed = join(work, 'out', path.slice('/opt/sightline-relay/'.length))
        expect(existsSync(installed), `${path} (Documentation=, ExecStart=)`).toBe(true)
      }
    })

    it('reads the sample relay.env of docs/operations.md, one-line JWK included', async ({
      onTestFinished,
    }) => {
      const doc = readFileSync(join(repoRoot, 'docs/operations.md'), 'utf8')
      const sample =
        /<!-- sample-relay-env:start -->\n```sh\n([\s\S]*?)```\n<!-- sample-relay-env:end -->/.exec(
          doc,
        )?.[1]
      expect(sample, 'the sample env file in docs/operations.md').toBeDefined()
      // The sample is for a relay behind deploy/nginx.conf, which sets X-Forwarded-For.
      expect(sample).toMatch(/^SIGHTLINE_TRUST_PROXY=true$/m)
      // A fresh key pair in place of the sample's public key, the line otherwise as written.
      const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
      const jwk = JSON.stringify(await exportJWK(publicKey))
      const keyLine = /^SIGHTLINE_JWT_PUBLIC_KEY='(\{.*\})'$/m
      expect(sample).toMatch(keyLine)
      const dir = join(work, 'etc')
      mkdirSync(dir, { recursive: true })
      writeFileSync(
        join(dir, '.env'),
        (sample ?? '').replace(keyLine, `SIGHTLINE_JWT_PUBLIC_KEY='${jwk}'`),
      )
      const installed = await startRelayCli({
        command: process.execPath,
        args: [join(work, 'out/dist/cli.js')],
        cwd: dir, // the CLI reads .env from its working directory
        // Free ports instead of the sample's fixed ones; everything else from the file.
        env: { PORT: '0', SIGHTLINE_METRICS_PORT: '0' },
      })
      onTestFinished(async () => {
        await installed.stop()
      })
      const room = 'mailbox/1/conversation/1'
      const connect = async (key: CryptoKey) => {
        const token = await new SignJWT({ name: 'Alice', rooms: ['mailbox/1/*'] })
          .setProtectedHeader({ alg: 'EdDSA' })
          .setSubject('alice')
          .setExpirationTime('5m')
          .sign(key)
        const socket = new WebSocket(`${installed.url}/${room}?token=${token}`, {
          headers: { origin: 'https://helpdesk.example.com' },
        })
        return new Promise<string>((resolve) => {
          socket.once('message', () => {
            socket.close()
            resolve('joined')
          })
          socket.once('close', (code) => resolve(`closed ${code}`))
        })
      }
      expect(await connect(privateKey)).toBe('joined')
      const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
      expect(await connect(other.privateKey)).toBe('closed 4401')
    })

    it('starts with the image’s CMD from WORKDIR and answers the HEALTHCHECK’s /healthz', async () => {
      const cmd = JSON.parse(runtime.find((i) => i.keyword === 'CMD')?.args ?? '[]') as string[]
      relay = await startRelayCli({
        command: cmd[0] === 'node' ? process.execPath : String(cmd[0]),
        args: cmd.slice(1),
        cwd: join(work, 'out'),
        env: {
          NODE_ENV: 'production',
          HOST: '127.0.0.1',
          SIGHTLINE_JWT_SECRET: 'container-test-secret-0123456789abcdef',
        },
      })
      const res = await fetch(`${relay.httpUrl}/healthz`)
      expect(res.status).toBe(200)
      // The HEALTHCHECK's own command, as Docker runs it in the container (PORT from ENV).
      const check = runtime.find((i) => i.keyword === 'HEALTHCHECK')?.args ?? ''
      const probe = JSON.parse(check.slice(check.indexOf('CMD') + 3)) as string[]
      expect(probe[0]).toBe('node')
      const healthcheck = () =>
        run(process.execPath, probe.slice(1), {
          cwd: join(work, 'out'),
          env: { PORT: new URL(relay?.httpUrl ?? '').port },
        })
      await healthcheck()
      // SIGTERM (STOPSIGNAL) drains and exits 0; then the health check fails.
      expect(await relay.stop()).toBe(0)
      await expect(healthcheck()).rejects.toThrow(/exit 1/)
    })
  })
})
