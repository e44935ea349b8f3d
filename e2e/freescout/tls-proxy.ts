/**
 * FreeScout's web server in front of the stand-in, as docs/freescout.md sets it up: nginx over
 * HTTPS (a self-signed certificate made with openssl at test time) serving the helpdesk at `/`
 * and the relay under `/sightline/` through the shipped snippet
 * deploy/freescout/nginx-sightline.conf (only its upstream port is replaced by the test
 * relay's), so the pages open wss://<FreeScout's host>/sightline/<room>.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const SNIPPET = fileURLToPath(
  new URL('../../deploy/freescout/nginx-sightline.conf', import.meta.url),
)

export interface TlsProxy {
  /** https://127.0.0.1:<port> */
  readonly url: string
  readonly errorLog: () => string
  close(): Promise<void>
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Starts nginx on `port` (HTTPS) in front of the helpdesk and the relay (both on loopback). */
export async function startTlsProxy(options: {
  port: number
  helpdeskPort: number
  relayPort: number
}): Promise<TlsProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'sightline-nginx-'))
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  )
  const snippet = readFileSync(SNIPPET, 'utf8').replaceAll(
    '127.0.0.1:1234',
    `127.0.0.1:${options.relayPort}`,
  )
  if (!snippet.includes(`127.0.0.1:${options.relayPort}/`)) throw new Error('snippet not adapted')
  writeFileSync(join(dir, 'sightline.conf'), snippet)
  for (const temp of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, temp))
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:${options.port} ssl;
    server_name 127.0.0.1;
    ssl_certificate ${dir}/cert.pem;
    ssl_certificate_key ${dir}/key.pem;
    include ${dir}/sightline.conf;
    # FreeScout (here its stand-in).
    location / {
      proxy_pass http://127.0.0.1:${options.helpdeskPort};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-Proto https;
    }
  }
}
`,
  )
  const child: ChildProcess = spawn(
    'nginx',
    ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const errorLog = () => {
    try {
      return readFileSync(join(dir, 'error.log'), 'utf8') + stderr
    } catch {
      return stderr
    }
  }
  const deadline = Date.now() + 10_000
  while (!(await portOpen(options.port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`nginx did not start: ${errorLog()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    url: `https://127.0.0.1:${options.port}`,
    errorLog,
    async close() {
      child.kill('SIGTERM')
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
