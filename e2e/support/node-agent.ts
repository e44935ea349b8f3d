/**
 * One agent's presence from Node: a Sightline presence client (`createPresence` over `ws`) with
 * a token of its own, as the demo backend signs them. No Playwright here, so the helper
 * processes (freshness-process.ts) load it too.
 */
import { mintToken } from '@sightline/testkit'
import WebSocket from 'ws'
// e2e has no package dependency on the client: its public entry point, from source.
import { createPresence, type PresenceClient } from '../../packages/presence/src/index.js'
import { E2E_SECRET } from '../e2e-env.js'

/** A token for `sub` as the demo backend would sign it (conversations of mailbox 1). */
export function agentToken(sub: string, claims: { name?: string; avatar?: string } = {}): string {
  return mintToken({
    sub,
    rooms: ['mailbox/1/*'],
    secret: E2E_SECRET,
    expiresIn: 3600,
    ...claims,
  })
}

/** One presence client for `sub` in `room`, with no page to watch (never idle, never hidden). */
export function joinAgent(relayUrl: string, room: string, sub: string): PresenceClient {
  return createPresence({
    url: relayUrl,
    room,
    token: agentToken(sub),
    WebSocket,
    environment: null,
  })
}
