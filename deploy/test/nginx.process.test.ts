/**
 * deploy/nginx.conf on the distribution's nginx (Debian 12: 1.22), as an operator installs it:
 * included from the http block, with throwaway certificates in place of Let's Encrypt's and
 * log paths in a temporary folder. First `nginx -t`; then a real nginx in front of a stand-in
 * relay that records what reaches it, to check what the file promises: the WebSocket upgrade
 * works, X-Forwarded-For and X-Request-Id are set by nginx (never taken from the client), and
 * tokens stay out of the logs when they travel in Sec-WebSocket-Protocol.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { IncomingHttpHeaders } from 'node:http'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { repoRoot, requireTool, run, until } from './support/commands.js'

const INSTALL = 'apt-get install -y nginx-light (Debian) or your distribution’s nginx package'
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2VjcmV0LXNpZ25hdHVyZQ'

let nginx = ''
let dir = ''

beforeAll(async () => {
  nginx = requireTool('nginx', INSTALL)
  requireTool('openssl', 'apt-get install -y openssl')
  dir = mkdtempSync(join(tmpdir(), 'sightline-nginx-'))
  // nginx's workers run as an unprivileged user and must reach their temp folders in here.
  chmodSync(dir, 0o755)
  mkdirSync(join(dir, 'certs'))
  mkdirSync(join(dir, 'logs'))
  await run(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-days', '1', '-subj', '/CN=presence.example.com'],
      ...['-keyout', join(dir, 'certs/privkey.pem'), '-out', join(dir, 'certs/fullchain.pem')],
    ],
    { cwd: dir },
  )
})

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true })
})

/**
 * deploy/nginx.conf with only what differs per machine replaced: the certificate and log
 * paths, and (for a live run) the listen ports and the relay's address.
 */
function siteConfig(live?: { tlsPort: number; httpPort: number; relayPort: number }): string {
  let conf = readFileSync(join(repoRoot, 'deploy/nginx.conf'), 'utf8')
  const replace = (from: string | RegExp, to: string) => {
    const next = conf.replace(from, to)
    expect(next, `deploy/nginx.conf no longer contains ${from}`).not.toBe(conf)
    conf = next
  }
  replace(/\/etc\/letsencrypt\/live\/presence\.example\.com\//g, `${dir}/certs/`)
  replace(/\/var\/log\/nginx\//g, `${dir}/logs/`)
  if (live !== undefined) {
    replace(/listen 80;/, `listen 127.0.0.1:${live.httpPort};`)
    replace(/listen \[::\]:80;/, '')
    replace(/listen 443 ssl;/, `listen 127.0.0.1:${live.tlsPort} ssl;`)
    replace(/listen \[::\]:443 ssl;/, '')
    replace(/server 127\.0\.0\.1:1234;/, `server 127.0.0.1:${live.relayPort};`)
  }
  return conf
}

/** A main nginx.conf that includes the site from its http block, as Debian's does. */
function writeMainConfig(site: string): string {
  writeFileSync(join(dir, 'sightline-relay.conf'), site)
  const main = join(dir, 'nginx.conf')
  writeFileSync(
    main,
    [
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/logs/error.log;`,
      'events { worker_connections 64; }',
      'http {',
      `  access_log ${dir}/logs/access.log;`,
      `  include ${dir}/sightline-relay.conf;`,
      '}',
      '',
    ].join('\n'),
  )
  return main
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('deploy/nginx.conf', () => {
  it('passes nginx -t on the distribution’s nginx', async () => {
    const main = writeMainConfig(siteConfig())
    const { stderr } = await run(
      nginx,
      ['-t', '-p', dir, '-e', join(dir, 'logs/error.log'), '-c', main],
      {
        cwd: dir,
      },
    )
    expect(stderr).toContain('test is successful')
  })

  /** `nginx -t` on a site config; resolves with nginx's stderr, rejects when the test fails. */
  const nginxTest = async (site: string) => {
    const main = writeMainConfig(site)
    const args = ['-t', '-p', dir, '-e', join(dir, 'logs/error.log'), '-c', main]
    return (await run(nginx, args, { cwd: dir })).stderr
  }

  it('fails nginx -t before the certificate exists, so the docs get the certificate first', async () => {
    await expect(
      nginxTest(siteConfig().replaceAll(`${dir}/certs/`, `${dir}/missing/`)),
    ).rejects.toThrow(/fullchain\.pem/)
    const doc = readFileSync(join(repoRoot, 'docs/operations.md'), 'utf8')
    const step = doc.slice(doc.indexOf('**5. nginx in front**'), doc.indexOf('**6. Monitoring.**'))
    const certbot = step.indexOf('certbot certonly --nginx')
    const copy = step.indexOf('deploy/nginx.conf /etc/nginx/conf.d/')
    expect(certbot, 'step 5 runs certbot').toBeGreaterThan(0)
    expect(copy, 'step 5 copies deploy/nginx.conf').toBeGreaterThan(0)
    expect(certbot, 'certbot runs before nginx.conf is copied in').toBeLessThan(copy)
  })

  it.each([
    ['cluster mode, any algorithm', (block: string) => block],
    [
      'relays without Redis, one room per relay',
      (block: string) => block.replace('least_conn;', 'hash $uri consistent;'),
    ],
  ])('the two-relay upstream of docs/operations.md passes nginx -t (%s)', async (_, variant) => {
    const doc = readFileSync(join(repoRoot, 'docs/operations.md'), 'utf8')
    const block =
      /<!-- nginx-two-relays:start -->\n```nginx\n([\s\S]*?)```\n<!-- nginx-two-relays:end -->/.exec(
        doc,
      )?.[1] ?? ''
    expect(block).toMatch(/^upstream sightline_relay \{/)
    expect(block.match(/^\s+server /gm)).toHaveLength(2)
    const site = siteConfig()
    const upstream = /^upstream sightline_relay \{[\s\S]*?^\}\n/m
    expect(site).toMatch(upstream)
    expect(await nginxTest(site.replace(upstream, variant(block)))).toContain('test is successful')
  })

  describe('in front of a relay', () => {
    let tlsPort = 0
    let relayPort = 0
    let server: ChildProcess | undefined
    const upgrades: IncomingHttpHeaders[] = []
    let relay: WebSocketServer | undefined

    beforeAll(async () => {
      tlsPort = await freePort()
      relayPort = await freePort()
      const main = writeMainConfig(siteConfig({ tlsPort, httpPort: await freePort(), relayPort }))
      server = spawn(
        nginx,
        ['-p', dir, '-e', join(dir, 'logs/error.log'), '-c', main, '-g', 'daemon off;'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      let output = ''
      server.stderr?.on('data', (d: Buffer) => (output += d.toString()))
      // Ready once the TLS port accepts connections; nginx's own words if it never does.
      await until(
        () => {
          if (server?.exitCode !== null) throw new Error(`nginx exited: ${output}`)
          return fetch(`http://127.0.0.1:${tlsPort}/`).then(
            () => true,
            () => false,
          )
        },
        10_000,
        () => `nginx did not listen on ${tlsPort} within 10 s: ${output}`,
      )
    })

    afterAll(async () => {
      if (server !== undefined && server.exitCode === null) {
        const exited = new Promise((resolve) => server?.once('exit', resolve))
        server.kill('SIGTERM')
        await exited
      }
    })

    /** The stand-in relay: accepts every upgrade, echoes the chosen subprotocol, records headers. */
    async function startStandInRelay(): Promise<WebSocketServer> {
      const wss = new WebSocketServer({
        host: '127.0.0.1',
        port: relayPort,
        handleProtocols: (protocols) => protocols.values().next().value ?? false,
      })
      wss.on('connection', (socket, request) => {
        upgrades.push(request.headers)
        socket.send('hello')
      })
      await new Promise((resolve) => wss.once('listening', resolve))
      return wss
    }

    /** Opens wss://…/<path> through nginx and resolves with the first message or the error. */
    function connect(path: string, protocols: string[], headers: Record<string, string> = {}) {
      return new Promise<string>((resolve, reject) => {
        const socket = new WebSocket(`wss://127.0.0.1:${tlsPort}${path}`, protocols, {
          rejectUnauthorized: false,
          headers: { origin: 'https://desk.example.com', ...headers },
        })
        socket.once('message', (data) => {
          resolve(`${data.toString()} ${socket.protocol}`)
          socket.close()
        })
        socket.once('error', reject)
      })
    }

    const accessLog = () => readFileSync(join(dir, 'logs/sightline-relay.access.log'), 'utf8')
    const errorLog = () => readFileSync(join(dir, 'logs/sightline-relay.error.log'), 'utf8')

    it('upgrades WebSockets and passes the subprotocol, a client address and a request id', async () => {
      relay = await startStandInRelay()
      upgrades.length = 0
      const reply = await connect('/mailbox/1/conversation/7', ['sightline', TOKEN], {
        'x-forwarded-for': '203.0.113.66',
        'x-request-id': 'forged-by-client',
      })
      expect(reply).toBe('hello sightline')
      const headers = upgrades[0]
      expect(headers?.['sec-websocket-protocol']?.split(/,\s*/)).toEqual(['sightline', TOKEN])
      // nginx is the edge: the peer's address only, never the client's claim.
      expect(headers?.['x-forwarded-for']).toBe('127.0.0.1')
      expect(headers?.['x-request-id']).toMatch(/^[0-9a-f]{32}$/)
      await expect.poll(accessLog).toContain(`rid=${headers?.['x-request-id']}`)
      expect(accessLog()).toContain('"GET /mailbox/1/conversation/7" 101')
    })

    it('keeps query-string tokens out of the access log', async () => {
      relay ??= await startStandInRelay()
      await connect(`/mailbox/1/conversation/8?token=${TOKEN}`, [])
      await expect.poll(accessLog).toContain('"GET /mailbox/1/conversation/8" 101')
      expect(accessLog()).not.toContain(TOKEN)
    })

    it('with the relay down, a token in Sec-WebSocket-Protocol stays out of the error log', async () => {
      await new Promise((resolve) => (relay ? relay.close(resolve) : resolve(undefined)))
      relay = undefined
      await expect(connect('/mailbox/1/conversation/9', ['sightline', TOKEN])).rejects.toThrow(
        /502/,
      )
      await expect.poll(errorLog).toContain('GET /mailbox/1/conversation/9 HTTP/1.1')
      expect(errorLog()).not.toContain(TOKEN)
      // What the docs warn about: the query string is quoted in the error log.
      await expect(connect(`/mailbox/1/conversation/10?token=${TOKEN}`, [])).rejects.toThrow(/502/)
      await expect.poll(errorLog).toContain(`conversation/10?token=${TOKEN}`)
    })
  })
})
