/**
 * The signed-in agent of this tab. Kept in sessionStorage, so every tab (and every browser
 * context in tests) can be a different agent, and a reload keeps the tab signed in.
 */

export interface SessionUser {
  readonly id: string
  readonly name: string
}

export interface MailboxRef {
  readonly id: string
  readonly name: string
}

export interface Session {
  /** Sightline JWT: authenticates both the demo API and the relay connection. */
  readonly token: string
  readonly user: SessionUser
  /** Relay base URL, e.g. ws://127.0.0.1:1234. */
  readonly relayUrl: string
  /** Mailboxes this agent may open (the token's grants). */
  readonly mailboxes: readonly MailboxRef[]
}

const KEY = 'sightline.session'

export function loadSession(): Session | null {
  const raw = sessionStorage.getItem(KEY)
  if (raw === null) return null
  try {
    const value = JSON.parse(raw) as Partial<Session>
    if (typeof value.token !== 'string' || typeof value.user?.id !== 'string') return null
    return value as Session
  } catch {
    return null
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session))
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY)
}

/** Signs in as a demo agent: the backend mints a token for it. */
export async function signIn(agentId: string): Promise<Session> {
  const res = await fetch('/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ agentId }),
  })
  if (!res.ok) throw new Error(`Sign-in failed: HTTP ${res.status}`)
  const session = (await res.json()) as Session
  saveSession(session)
  return session
}

let refreshing: Promise<string> | null = null

/**
 * Exchanges the current token for a fresh one and stores it. Concurrent callers (the API
 * client after a 401, the presence client ahead of expiry) share one request.
 */
export function refreshToken(): Promise<string> {
  refreshing ??= (async () => {
    const session = loadSession()
    if (session === null) throw new Error('Not signed in')
    const res = await fetch('/api/token', {
      method: 'POST',
      headers: { authorization: `Bearer ${session.token}` },
    })
    if (!res.ok) throw new Error(`Token refresh failed: HTTP ${res.status}`)
    const { token } = (await res.json()) as { token: string }
    saveSession({ ...(loadSession() ?? session), token })
    return token
  })().finally(() => {
    refreshing = null
  })
  return refreshing
}
