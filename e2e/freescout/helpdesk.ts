/**
 * A loopback stand-in for a FreeScout 1.8.235 installation with the Sightline module enabled:
 * the markup the module's binding script reads (conversation page and mailbox list page, with
 * FreeScout's ids, classes, data attributes, CSRF meta tag and Content-Security-Policy), the
 * module's assets under /modules/sightline, and the module itself run in PHP under `php -S`
 * (integrations/freescout/test/token-route.php, on FreeScout's stand-in users and hooks): its
 * service provider renders what it adds to each page (the config meta tag with the agent's
 * locale, the versioned script tags, the stylesheet, the CSP's connect-src), its routes.php
 * says where the token route is, and its controller mints the tokens (after the session cookie
 * and CSRF checks here). By default the module is the repo's (with the widget bundle from
 * packages/widget/dist); `moduleDir` runs an installed copy instead, as unzipped into
 * FreeScout's Modules/ (its files read afresh on every request, so unzipping a newer release
 * over it upgrades it in place). FreeScout's main.js is the reduced stand-in main-stub.js.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../support/relay-process.js'

const asset = (path: string) => fileURLToPath(new URL(path, import.meta.url))
/** The module in the repo, and the bundle `pnpm build:freescout` would copy into it. */
const REPO_MODULE = asset('../../integrations/freescout')
const REPO_BUNDLE = asset('../../packages/widget/dist/sightline.iife.js')
const MAIN_JS = asset('./main-stub.js')
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css' }
/**
 * FreeScout's nginx configuration caches public/modules/ for a month (`expires 1M`): only the
 * module's `?v=<version>` makes browsers fetch a new release's scripts.
 */
const MODULE_CACHE = 'public, max-age=2592000'
const TOKEN_ROUTE = asset('../../integrations/freescout/test/token-route.php')
/** Every mailbox of the stand-in FreeScout. */
const MAILBOXES = [1, 2]

export interface Agent {
  readonly id: number
  readonly firstName: string
  readonly lastName: string
  /** Mailboxes this agent may access in FreeScout (at start; see Helpdesk.setAccess). */
  readonly mailboxes: readonly number[]
  /** Their language in FreeScout (Profile » Language); unset: the installation's (en). */
  readonly locale?: string
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
  { id: 5, firstName: 'Wei', lastName: 'Zhang', mailboxes: [1], locale: 'zh-CN' },
]

/** A call of the module's token route as the stand-in received it. */
export interface TokenRequest {
  readonly agent: number
  readonly method: string
  readonly path: string
  /** The token's lifetime (exp - iat, seconds) when one was given, else null. */
  readonly ttl: number | null
}

export interface Helpdesk {
  readonly url: string
  /** Session cookie of `agent` (FreeScout's laravel_session, in spirit). */
  cookie(agent: Agent): { name: string; value: string; url: string }
  /** Token route calls so far, by agent id. */
  readonly tokenCalls: Map<number, number>
  /** Every call of the token route, in order (refused ones too). */
  readonly tokenRequests: TokenRequest[]
  /** Every request for the module's assets, as sent (path and query), in order. */
  readonly assetRequests: string[]
  /** Changes what FreeScout lets `agent` do, from their next request on (an admin's edit). */
  setAccess(agent: Agent, access: Partial<Access>): void
  close(): Promise<void>
}

const csrfOf = (agent: Agent) => `csrf-${agent.id}-fixture`
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** What the module's service provider adds to one page (test/token-route.php, "page"). */
interface ModulePage {
  head: string
  bodyBottom: string
  stylesheets: string[]
  csp: string
}

/** FreeScout's layout (layouts/app.blade.php) around `content`, as the module alters it. */
function layout(
  agent: Agent,
  module: ModulePage,
  bodyAttrs: string,
  bodyClass: string,
  content: string,
) {
  // Helper::getCspValue(), then the module's csp.custom filter (connect-src for the relay).
  const csp =
    "base-uri 'none'; default-src 'self' ; img-src * 'self' data:; font-src * 'self' data:; " +
    "style-src * 'self' 'unsafe-inline'; form-action 'self' ; frame-src * 'self'; " +
    `script-src 'self' 'nonce-fixture' ;${module.csp}`
  const styles = module.stylesheets
    .map((path) => `<link href="/${esc(path)}" rel="stylesheet">`)
    .join('\n')
  const others = AGENTS.filter((a) => a.id !== agent.id)
    .map((a) => a.id)
    .join(' ')
  // <html lang> is the installation's locale here (app.locale), whatever the agent's: what
  // speaks the agent's language is the module's own locale passing.
  return `<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="csrf-token" content="${csrfOf(agent)}">
<title>FreeScout</title>
${module.head}
${styles}
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
${module.bodyBottom}
<script nonce="fixture">/* FreeScout's nonce'd inline script (Vars, initializers) */</script>
</body></html>`
}

function conversationPage(agent: Agent, module: ModulePage, mailboxId: number, id: number) {
  // conversations/view.blade.php (body_attrs: conversation_id, then mailbox_id from the editor
  // toolbar partial); #conv-viewers rendered from FreeScout's conv_view cache: a stale entry.
  return layout(
    agent,
    module,
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

function listPage(agent: Agent, module: ModulePage, mailboxId: number, ids: readonly number[]) {
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
    module,
    `data-mailbox_id="${mailboxId}" data-folder_id="${mailboxId * 10}"`,
    '',
    `<div class="layout-2col"><div class="content-2col"><div id="conversations_list">
  <table class="table-conversations table" data-page="1"><tbody>
${rows}
  </tbody></table>
</div></div></div>`,
  )
}

interface ModuleRoute {
  methods: string[]
  uri: string
  action: string
  name: string | null
}

interface ModuleAnswer {
  /** The relay address the module puts into pages (Settings::relayUrl), or null. */
  relayUrl: string | null
  /** The routes its Http/routes.php declares. */
  routes: ModuleRoute[]
}

interface TokenAnswer extends ModuleAnswer {
  status: number
  headers: Record<string, string>
  body: unknown
}

type PageAnswer = ModuleAnswer & ModulePage

/**
 * The module run by PHP: test/token-route.php as the router of a `php -S` of its own (one PHP
 * process for the helpdesk's life, not one per call), on the module at `moduleDir`.
 */
async function startTokenRoute(moduleDir: string): Promise<{
  token(input: Record<string, unknown>): Promise<TokenAnswer>
  page(input: Record<string, unknown>): Promise<PageAnswer>
  close(): Promise<void>
}> {
  const port = await freePort()
  // No OPcache: `php -S` would keep serving the old release's compiled files after the new zip
  // is unzipped over them, whose times (from the zips) can even be equal (a zip keeps 2 s).
  const args = ['-d', 'opcache.enable=0', '-S', `127.0.0.1:${port}`, TOKEN_ROUTE]
  const child: ChildProcess = spawn('php', args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, SIGHTLINE_MODULE_DIR: moduleDir },
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const call = async (input: unknown): Promise<unknown> => {
    const res = await fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      body: JSON.stringify(input),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`token-route.php answered ${res.status}: ${text}\n${stderr}`)
    try {
      return JSON.parse(text)
    } catch {
      throw new Error(`token-route.php answered no JSON: ${text}\n${stderr}`)
    }
  }
  const deadline = Date.now() + 10_000
  for (;;) {
    try {
      await call({ action: 'token', config: {}, mailboxes: [], user: null })
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
    token: async (input) => (await call({ ...input, action: 'token' })) as TokenAnswer,
    page: async (input) => (await call({ ...input, action: 'page' })) as PageAnswer,
    async close() {
      child.kill('SIGTERM')
      await exited
    },
  }
}

function settingsPage(agent: Agent, module: ModulePage, relayUrl: string) {
  // Manage » Settings » Sightline: the module's settings.blade.php, configured.
  return layout(
    agent,
    module,
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
  /** The installed module (FreeScout's Modules/Sightline); default the repo's. */
  moduleDir?: string
}): Promise<Helpdesk> {
  const moduleDir = options.moduleDir ?? REPO_MODULE
  const tokenRoute = await startTokenRoute(moduleDir)
  const tokenCalls = new Map<number, number>()
  const tokenRequests: TokenRequest[] = []
  const assetRequests: string[] = []
  /** FreeScout's config as the module reads it; app.url once the stand-in listens. */
  const config: Record<string, string> = {
    'app.locale': 'en',
    'sightline.relay_url': options.relayUrl,
    'sightline.jwt_secret': options.secret,
  }
  const userOf = (agent: Agent) => {
    const now = access.get(agent.id)!
    return {
      id: agent.id,
      first_name: agent.firstName,
      last_name: agent.lastName,
      status: now.disabled ? 2 : 1,
      mailbox_ids: now.mailboxes,
      ...(agent.locale === undefined ? {} : { locale: agent.locale }),
    }
  }
  /** A file of the module's Public/ (public/modules/sightline/ links to it), or null. */
  const publicFile = (rest: string) => {
    if (moduleDir === REPO_MODULE && rest === 'js/sightline.iife.js') return REPO_BUNDLE
    const file = normalize(join(moduleDir, 'Public', rest))
    return file.startsWith(join(moduleDir, 'Public')) && existsSync(file) ? file : null
  }
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
    if (path === '/js/main.js') {
      res.writeHead(200, { 'content-type': TYPES['.js']! }).end(readFileSync(MAIN_JS))
      return
    }
    const modulePath = /^\/modules\/sightline\/(.+)$/.exec(path)
    if (modulePath) {
      assetRequests.push(req.url ?? path)
      const file = publicFile(decodeURIComponent(modulePath[1]!))
      if (file === null) {
        res.writeHead(404).end()
        return
      }
      res
        .writeHead(200, {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'cache-control': MODULE_CACHE,
        })
        .end(readFileSync(file))
      return
    }
    const agent = agentOf(req)
    if (agent === undefined) {
      res.writeHead(401).end('not signed in')
      return
    }
    const html = (body: string) =>
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body)
    const page = () => tokenRoute.page({ config, mailboxes: MAILBOXES, user: userOf(agent) })
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
      html(conversationPage(agent, await page(), options.mailboxOf(id), id))
      return
    }
    if (path === '/settings/sightline') {
      const module = await page()
      html(settingsPage(agent, module, module.relayUrl ?? ''))
      return
    }
    const listMatch = /^\/mailbox\/(\d+)$/.exec(path)
    if (listMatch) {
      const id = Number(listMatch[1])
      html(listPage(agent, await page(), id, options.listOf(id)))
      return
    }
    // Any other path: a route of the module's routes.php as installed now, else 404.
    const answer = await tokenRoute.token({
      config,
      mailboxes: MAILBOXES,
      user: userOf(agent),
    })
    const route = answer.routes.find(
      (r) => r.uri === path && r.methods.includes(req.method ?? 'GET'),
    )
    if (route === undefined || !route.action.endsWith('@token')) {
      res.writeHead(404).end()
      return
    }
    // FreeScout's web middleware (CSRF), then the module's controller in PHP.
    const body = answer.body as { token?: string } | null
    const claims =
      typeof body?.token === 'string'
        ? (JSON.parse(Buffer.from(body.token.split('.')[1]!, 'base64url').toString()) as {
            iat: number
            exp: number
          })
        : null
    const csrf = req.headers['x-csrf-token'] === csrfOf(agent)
    tokenRequests.push({
      agent: agent.id,
      method: req.method ?? 'GET',
      path,
      ttl: csrf && claims !== null ? claims.exp - claims.iat : null,
    })
    if (!csrf) {
      res.writeHead(419).end('CSRF token mismatch')
      return
    }
    tokenCalls.set(agent.id, (tokenCalls.get(agent.id) ?? 0) + 1)
    res
      .writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
      .end(JSON.stringify(answer.body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`
  // APP_URL: where the browsers reach FreeScout (asset() and route() build on it).
  config['app.url'] = options.appUrl ?? url
  // The address pages get, as the module resolves SIGHTLINE_RELAY_URL (a path: against APP_URL).
  const relayUrl = (await tokenRoute.page({ config, mailboxes: MAILBOXES, user: null })).relayUrl
  if (relayUrl === null) {
    server.close()
    await tokenRoute.close()
    throw new Error(`the module would not run with ${options.relayUrl}`)
  }
  return {
    url,
    tokenCalls,
    tokenRequests,
    assetRequests,
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
