/**
 * A loopback stand-in for a FreeScout 1.8.235 installation with the Sightline module enabled:
 * the markup the module's binding script reads (conversation page and mailbox list page, with
 * FreeScout's ids, classes, data attributes, CSRF meta tag and Content-Security-Policy), the
 * module's assets under /modules/sightline, and its token route: session cookie + CSRF here,
 * then the module's own controller in PHP (integrations/freescout/test/token-route.php runs
 * SightlineController::token on FreeScout's stand-in users, under `php -S`), so the tokens are the module's.
 * Only the module's own files are served from the repo; FreeScout's main.js is the reduced
 * stand-in main-stub.js.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { freePort } from '../support/relay-process.js'

const asset = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const ASSETS: Record<string, { file: string; type: string }> = {
  '/modules/sightline/js/sightline.iife.js': {
    file: asset('../../packages/widget/dist/sightline.iife.js'),
    type: 'text/javascript',
  },
  '/modules/sightline/js/sightline-freescout.js': {
    file: asset('../../integrations/freescout/Public/js/sightline-freescout.js'),
    type: 'text/javascript',
  },
  '/modules/sightline/css/sightline-freescout.css': {
    file: asset('../../integrations/freescout/Public/css/sightline-freescout.css'),
    type: 'text/css',
  },
  '/modules/sightline/js/sightline-settings.js': {
    file: asset('../../integrations/freescout/Public/js/sightline-settings.js'),
    type: 'text/javascript',
  },
  '/js/main.js': { file: asset('./main-stub.js'), type: 'text/javascript' },
}
const TOKEN_ROUTE = asset('../../integrations/freescout/test/token-route.php')
/** Every mailbox of the stand-in FreeScout. */
const MAILBOXES = [1, 2]

export interface Agent {
  readonly id: number
  readonly firstName: string
  readonly lastName: string
  /** Mailboxes this agent may access in FreeScout (at start; see Helpdesk.setAccess). */
  readonly mailboxes: readonly number[]
}

/** What FreeScout lets an agent do now: their mailboxes, and whether an admin disabled them. */
export interface Access {
  readonly mailboxes: readonly number[]
  readonly disabled: boolean
}

export const AGENTS: readonly Agent[] = [
  { id: 1, firstName: 'Ann', lastName: 'Lee', mailboxes: [1] },
  { id: 2, firstName: 'Bob', lastName: 'Ray', mailboxes: [1, 2] },
  { id: 3, firstName: 'Cid', lastName: 'Roe', mailboxes: [2] },
  { id: 4, firstName: 'Dee', lastName: 'Fox', mailboxes: [1] },
]

export interface Helpdesk {
  readonly url: string
  /** Session cookie of `agent` (FreeScout's laravel_session, in spirit). */
  cookie(agent: Agent): { name: string; value: string; url: string }
  /** Token route calls so far, by agent id. */
  readonly tokenCalls: Map<number, number>
  /** Changes what FreeScout lets `agent` do, from their next request on (an admin's edit). */
  setAccess(agent: Agent, access: Partial<Access>): void
  close(): Promise<void>
}

const csrfOf = (agent: Agent) => `csrf-${agent.id}-fixture`
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** FreeScout's layout (layouts/app.blade.php) around `content`, as the module alters it. */
function layout(
  agent: Agent,
  relayUrl: string,
  bodyAttrs: string,
  bodyClass: string,
  content: string,
) {
  const relayOrigin = new URL(relayUrl).origin.replace(/^http/, 'ws')
  // Helper::getCspValue(), then the module's csp.custom filter (connect-src for the relay).
  const csp =
    "base-uri 'none'; default-src 'self' ; img-src * 'self' data:; font-src * 'self' data:; " +
    "style-src * 'self' 'unsafe-inline'; form-action 'self' ; frame-src * 'self'; " +
    `script-src 'self' 'nonce-fixture' ; connect-src 'self' ${relayOrigin};`
  const config = JSON.stringify({ relayUrl, tokenUrl: '/sightline-token' })
  const others = AGENTS.filter((a) => a.id !== agent.id)
    .map((a) => a.id)
    .join(' ')
  return `<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="csrf-token" content="${csrfOf(agent)}">
<title>FreeScout</title>
<meta name="sightline-config" content="${esc(config)}">
<link href="/modules/sightline/css/sightline-freescout.css" rel="stylesheet">
<style>
  /* FreeScout's type scale: bootstrap.css html 10px, style.css body 13.4px. */
  html { font-size: 10px; }
  body { font-size: 13.4px; font-family: "Helvetica Neue", Helvetica, Arial, sans-serif; }
  .hidden { display: none !important; }
  #conv-subject { position: relative; min-height: 60px; }
  .viewer-replying .person-photo { background-color: #d43f3a !important; }
  .photo-xs .person-photo { display: inline-block; width: 18px; height: 18px; border-radius: 50%; background: #95a5a6; }
  .conv-row td { position: relative; }
</style>
</head>
<body class="locale-en ${bodyClass}" ${bodyAttrs} data-fixture-agents="${others}" data-auth_user_id="${agent.id}">
${content}
<script src="/js/main.js"></script>
<script src="/modules/sightline/js/sightline.iife.js"></script>
<script src="/modules/sightline/js/sightline-freescout.js"></script>
<script nonce="fixture">/* FreeScout's nonce'd inline script (Vars, initializers) */</script>
</body></html>`
}

function conversationPage(agent: Agent, relayUrl: string, mailboxId: number, id: number) {
  // conversations/view.blade.php (body_attrs: conversation_id, then mailbox_id from the editor
  // toolbar partial); #conv-viewers rendered from FreeScout's conv_view cache: a stale entry.
  return layout(
    agent,
    relayUrl,
    `data-conversation_id="${id}" data-mailbox_id="${mailboxId}"`,
    'body-conv',
    `<div id="conv-layout-main">
  <div id="conv-toolbar">
    <span class="conv-reply conv-action glyphicon glyphicon-share-alt" role="button" tabindex="0" data-testid="fs-reply">Reply</span>
    <span class="conv-add-note conv-action glyphicon glyphicon-edit" role="button" tabindex="0" data-testid="fs-note">Note</span>
  </div>
  <div id="conv-subject">
    <div class="conv-subj-block"><div class="conv-subjwrap"><div class="conv-subjtext"><span>Fixture conversation ${id}</span></div>
      <div class="conv-numnav"># <strong>${id}</strong></div>
      <div id="conv-viewers"><span class="photo-xs viewer-98" data-toggle="tooltip" title="Gone Agent is viewing"><i class="person-photo person-photo-auto" data-initial="GA"></i></span></div>
    </div></div>
  </div>
  <div class="conv-action-wrapper">
    <div class="conv-block conv-reply-block conv-action-block hidden">
      <div class="col-xs-12">
        <form class="form-horizontal form-reply" method="POST" action="">
          <input type="hidden" name="_token" value="${csrfOf(agent)}">
          <input type="hidden" name="conversation_id" value="${id}"/>
          <input type="hidden" name="mailbox_id" value="${mailboxId}"/>
          <input type="hidden" name="is_note" value=""/>
          <div class="form-group conv-reply-body"><textarea id="body" name="body">Hello</textarea></div>
          <button type="button" class="note-btn note-btn-discard" data-testid="fs-discard">Discard</button>
          <button type="submit" class="btn btn-primary btn-reply-submit" data-testid="fs-send">Send</button>
        </form>
      </div>
    </div>
  </div>
</div>`,
  )
}

function listPage(agent: Agent, relayUrl: string, mailboxId: number, ids: readonly number[]) {
  // mailboxes/view.blade.php + conversations_table.blade.php: the triangle in td.conv-current
  // is computed from FreeScout's cache when the list renders (here: a stale one on the last row).
  const rows = ids
    .map(
      (id, i) => `<tr class="conv-row conv-active" data-conversation_id="${id}">
      <td class="conv-current">${i === ids.length - 1 ? '<div class="viewer-badge" data-toggle="tooltip" title="Gone Agent is viewing"><div></div></div>' : ''}</td>
      <td class="conv-cb"><input type="checkbox" class="conv-checkbox" id="cb-${id}" value="${id}"><label for="cb-${id}"></label></td>
      <td class="conv-subject"><a href="/conversation/${id}">Conversation ${id}</a></td>
      <td class="conv-number"><a href="/conversation/${id}">#${id}</a></td>
    </tr>`,
    )
    .join('\n')
  return layout(
    agent,
    relayUrl,
    `data-mailbox_id="${mailboxId}" data-folder_id="${mailboxId * 10}"`,
    '',
    `<div class="layout-2col"><div class="content-2col"><div id="conversations_list">
  <table class="table-conversations table" data-page="1"><tbody>
${rows}
  </tbody></table>
</div></div></div>`,
  )
}

interface TokenAnswer {
  status: number
  headers: Record<string, string>
  body: unknown
  /** The relay address the module puts into pages (Settings::relayUrl), or null. */
  relayUrl: string | null
}

/**
 * The module's token route, run by PHP: test/token-route.php as the router of a `php -S` of its
 * own (one PHP process for the helpdesk's life, not one per call).
 */
async function startTokenRoute(): Promise<{
  call(input: unknown): Promise<TokenAnswer>
  close(): Promise<void>
}> {
  const port = await freePort()
  const child: ChildProcess = spawn('php', ['-S', `127.0.0.1:${port}`, TOKEN_ROUTE], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const call = async (input: unknown): Promise<TokenAnswer> => {
    const res = await fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      body: JSON.stringify(input),
    })
    if (!res.ok) throw new Error(`token-route.php answered ${res.status}: ${stderr}`)
    return (await res.json()) as TokenAnswer
  }
  const deadline = Date.now() + 10_000
  for (;;) {
    try {
      await call({ config: {}, mailboxes: [], user: null })
      break
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL')
        throw new Error(`php -S token-route.php did not start: ${String(error)}\n${stderr}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return {
    call,
    async close() {
      child.kill('SIGTERM')
      await exited
    },
  }
}

function settingsPage(agent: Agent, relayUrl: string) {
  // Manage » Settings » Sightline: the module's settings.blade.php, configured.
  return layout(
    agent,
    relayUrl,
    '',
    '',
    `<div class="section-heading">Sightline</div>
<form class="form-horizontal margin-top margin-bottom" method="POST" action="">
  <div class="form-group margin-top">
    <div class="col-sm-6 col-sm-offset-2">
      <button type="submit" class="btn btn-primary">Save</button>
      <button type="button" class="btn btn-default" id="sightline-test" data-relay-url="${esc(relayUrl)}" data-token-url="/sightline-token">Test connection</button>
      <div id="sightline-test-result" class="margin-top hidden" role="status" aria-live="polite"></div>
    </div>
  </div>
</form>
<script defer src="/modules/sightline/js/sightline-settings.js"></script>`,
  )
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => resolve(body))
  })
}

/**
 * Starts the stand-in on loopback. Conversation `c` is in mailbox `mailboxOf(c)`; the list of
 * mailbox `m` shows `listOf(m)`.
 */
export async function startHelpdesk(options: {
  relayUrl: string
  secret: string
  /** FreeScout's APP_URL (a relay path resolves against it); default http://127.0.0.1. */
  appUrl?: string
  mailboxOf: (conversationId: number) => number
  listOf: (mailboxId: number) => readonly number[]
}): Promise<Helpdesk> {
  const config = {
    'app.url': options.appUrl ?? 'http://127.0.0.1',
    'sightline.relay_url': options.relayUrl,
    'sightline.jwt_secret': options.secret,
  }
  // The address pages get, as the module resolves SIGHTLINE_RELAY_URL (a path: against APP_URL).
  const tokenRoute = await startTokenRoute()
  const relayUrl = (await tokenRoute.call({ config, mailboxes: MAILBOXES, user: null })).relayUrl
  if (relayUrl === null) throw new Error(`the module would not run with ${options.relayUrl}`)
  const tokenCalls = new Map<number, number>()
  const access = new Map<number, Access>(
    AGENTS.map((a) => [a.id, { mailboxes: a.mailboxes, disabled: false }]),
  )
  const sessions = new Map(AGENTS.map((a) => [`session-${a.id}`, a]))
  const agentOf = (req: IncomingMessage) => {
    const match = /(?:^|;\s*)fs_session=([^;]+)/.exec(req.headers.cookie ?? '')
    return match ? sessions.get(match[1]!) : undefined
  }

  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const file = ASSETS[path]
    if (file !== undefined) {
      res.writeHead(200, { 'content-type': file.type }).end(readFileSync(file.file))
      return
    }
    const agent = agentOf(req)
    if (agent === undefined) {
      res.writeHead(401).end('not signed in')
      return
    }
    const html = (body: string) =>
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body)
    if (req.method === 'POST' && path === '/sightline-token') {
      // FreeScout's web middleware (CSRF), then the module's controller in PHP.
      if (req.headers['x-csrf-token'] !== csrfOf(agent)) {
        res.writeHead(419).end('CSRF token mismatch')
        return
      }
      tokenCalls.set(agent.id, (tokenCalls.get(agent.id) ?? 0) + 1)
      const now = access.get(agent.id)!
      const answer = await tokenRoute.call({
        config,
        mailboxes: MAILBOXES,
        user: {
          id: agent.id,
          first_name: agent.firstName,
          last_name: agent.lastName,
          status: now.disabled ? 2 : 1,
          mailbox_ids: now.mailboxes,
        },
      })
      res
        .writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
        .end(JSON.stringify(answer.body))
      return
    }
    if (req.method === 'POST' && path === '/conversation/ajax') {
      const form = new URLSearchParams(await readBody(req))
      const ok = req.headers['x-csrf-token'] === csrfOf(agent) && form.get('action') !== null
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: ok ? 'success' : 'error' }))
      return
    }
    const conversationMatch = /^\/conversation\/(\d+)$/.exec(path)
    if (conversationMatch) {
      const id = Number(conversationMatch[1])
      html(conversationPage(agent, relayUrl, options.mailboxOf(id), id))
      return
    }
    if (path === '/settings/sightline') {
      html(settingsPage(agent, relayUrl))
      return
    }
    const listMatch = /^\/mailbox\/(\d+)$/.exec(path)
    if (listMatch) {
      const id = Number(listMatch[1])
      html(listPage(agent, relayUrl, id, options.listOf(id)))
      return
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`
  return {
    url,
    tokenCalls,
    setAccess(agent, change) {
      access.set(agent.id, { ...access.get(agent.id)!, ...change })
    },
    cookie: (agent) => ({ name: 'fs_session', value: `session-${agent.id}`, url }),
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await tokenRoute.close()
    },
  }
}
