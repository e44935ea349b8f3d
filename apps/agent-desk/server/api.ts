/**
 * The demo helpdesk API, standing in for a real backend:
 *
 *   GET  /api/agents                                  demo agents for the sign-in page
 *   POST /api/session {agentId}                       -> { token, user, relayUrl, mailboxes }
 *   POST /api/token                (bearer)           -> { token }  (refresh; presence getToken)
 *   GET  /api/mailboxes/:id/conversations   (bearer)  -> { mailbox, conversations }
 *   GET  /api/mailboxes/:id/conversations/:cid        -> { mailbox, conversation }
 *   POST /api/mailboxes/:id/conversations/:cid/replies {body} -> { message }
 *
 * Every call after sign-in carries the Sightline token; the mailbox checks use the same
 * grants the relay enforces, so an agent never sees data of a mailbox it cannot join.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { type DemoAgent, demoAgents, demoMailboxes, mailboxesOf } from './demo-data.js'
import type { DemoStore } from './demo-store.js'
import { bearerToken, HttpError, readJson, sendJson } from './http-json.js'
import type { TokenIssuer } from './tokens.js'

/** How long after expiry a token may still be exchanged for a fresh one (12 h). */
const REFRESH_GRACE_SEC = 12 * 60 * 60

export interface ApiContext {
  readonly store: DemoStore
  readonly tokens: TokenIssuer
  /** The relay a new session should use (the next one, in a cluster demo). */
  readonly relayUrl: () => string
}

function agentById(id: unknown): DemoAgent {
  const agent = demoAgents.find((a) => a.id === id)
  if (agent === undefined) throw new HttpError(404, 'no_agent', `Unknown agent: ${String(id)}`)
  return agent
}

async function authenticate(ctx: ApiContext, req: IncomingMessage, graceSec = 0) {
  const agentId = await ctx.tokens.verify(bearerToken(req), graceSec)
  if (agentId === null) throw new HttpError(401, 'bad_token', 'Invalid or expired token')
  return agentById(agentId)
}

function grantedMailbox(agent: DemoAgent, mailboxId: string) {
  const mailbox = mailboxesOf(agent).find((m) => m.id === mailboxId)
  if (mailbox !== undefined) return mailbox
  if (demoMailboxes.some((m) => m.id === mailboxId)) {
    throw new HttpError(403, 'forbidden', `No access to mailbox ${mailboxId}`)
  }
  throw new HttpError(404, 'no_mailbox', `Unknown mailbox: ${mailboxId}`)
}

function userOf(agent: DemoAgent) {
  return { id: agent.id, name: agent.name }
}

const CONVERSATIONS = /^\/api\/mailboxes\/([^/]+)\/conversations(?:\/([^/]+)(\/replies)?)?$/

/** Handles one `/api/*` request; answers 404 for unknown routes. */
export async function handleApi(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
): Promise<void> {
  const route = `${req.method} ${pathname}`
  if (route === 'GET /api/agents') {
    const agents = demoAgents.map((a) => ({ ...userOf(a), mailboxes: mailboxesOf(a) }))
    return sendJson(res, 200, { agents })
  }
  if (route === 'POST /api/session') {
    const agent = agentById((await readJson(req))['agentId'])
    const token = await ctx.tokens.mint(agent)
    const mailboxes = mailboxesOf(agent)
    return sendJson(res, 200, { token, user: userOf(agent), relayUrl: ctx.relayUrl(), mailboxes })
  }
  if (route === 'POST /api/token') {
    const agent = await authenticate(ctx, req, REFRESH_GRACE_SEC)
    return sendJson(res, 200, { token: await ctx.tokens.mint(agent) })
  }
  const match = CONVERSATIONS.exec(pathname)
  if (match !== null) {
    const [, mailboxId = '', conversationId, replies] = match
    const agent = await authenticate(ctx, req)
    const mailbox = grantedMailbox(agent, decodeURIComponent(mailboxId))
    if (conversationId === undefined && req.method === 'GET') {
      return sendJson(res, 200, { mailbox, conversations: ctx.store.list(mailbox.id) })
    }
    const cid = decodeURIComponent(conversationId ?? '')
    if (replies === undefined && req.method === 'GET') {
      const conversation = ctx.store.get(mailbox.id, cid)
      if (conversation === null) throw new HttpError(404, 'no_conversation', `Bad id: ${cid}`)
      return sendJson(res, 200, { mailbox, conversation })
    }
    if (replies !== undefined && req.method === 'POST') {
      const body = (await readJson(req))['body']
      if (typeof body !== 'string' || body.trim() === '' || body.length > 10_000) {
        throw new HttpError(400, 'bad_body', 'A reply needs a body of 1-10000 characters')
      }
      const message = ctx.store.reply(mailbox.id, cid, agent.name, body.trim())
      if (message === null) throw new HttpError(404, 'no_conversation', `Bad id: ${cid}`)
      return sendJson(res, 201, { message })
    }
  }
  throw new HttpError(404, 'no_route', `No route: ${route}`)
}
