/**
 * Sightline tokens, as a helpdesk backend mints them: HS256 JWTs whose claims follow the
 * protocol's `SightlineClaims`. The same token authenticates the demo's own API calls, so
 * the demo needs no session store.
 */
import type { SightlineClaims } from '@sightline/protocol'
import { errors, jwtVerify, SignJWT } from 'jose'
import type { DemoAgent } from './demo-data.js'

export interface TokenIssuer {
  /** A fresh token for `agent`, granting its mailboxes and every room below them. */
  mint(agent: DemoAgent): Promise<string>
  /**
   * The agent id of a token this issuer signed, or null. `graceSec` accepts tokens that
   * expired at most that long ago (refreshing a token that lapsed while a laptop slept).
   */
  verify(token: string, graceSec?: number): Promise<string | null>
}

export interface TokenOptions {
  /** HS256 shared secret, the relay's `SIGHTLINE_JWT_SECRET`. */
  readonly secret: string
  /** Token lifetime in seconds. Default 900 (15 min). */
  readonly ttlSec?: number
}

/** The rooms an agent may join: each granted mailbox and everything below it. */
export function roomsOf(agent: DemoAgent): string[] {
  return agent.mailboxIds.flatMap((id) => [`mailbox/${id}`, `mailbox/${id}/*`])
}

export function createTokenIssuer({ secret, ttlSec = 900 }: TokenOptions): TokenIssuer {
  const key = new TextEncoder().encode(secret)
  return {
    async mint(agent) {
      const claims: Omit<SightlineClaims, 'sub' | 'exp'> = {
        name: agent.name,
        rooms: roomsOf(agent),
      }
      return new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(agent.id)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSec)
        .sign(key)
    },
    async verify(token, graceSec = 0) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          clockTolerance: graceSec,
        })
        return typeof payload.sub === 'string' ? payload.sub : null
      } catch (error) {
        if (error instanceof errors.JOSEError) return null
        throw error
      }
    },
  }
}
