/**
 * One conversation's presence in this tab: a presence client for the conversation's room,
 * the widget's viewers bar bound to it, and the connection status. All presence UI is the
 * widget's; the app only decides when the client lives (the page) and what it is doing.
 */
import { createPresence, type PresenceClient } from '@sightline/presence'
import { conversationRoom } from '@sightline/protocol'
import { h } from './dom.js'
import { refreshToken, type Session } from './session.js'

export interface ConversationPresence {
  readonly client: PresenceClient
  /** Viewers bar plus connection status, for the page header. */
  readonly el: HTMLElement
  destroy(): void
}

export function createConversationPresence(
  session: Session,
  mailboxId: string,
  conversationId: string,
): ConversationPresence {
  const client = createPresence({
    url: session.relayUrl,
    room: conversationRoom(mailboxId, conversationId),
    token: session.token,
    getToken: refreshToken,
  })

  const viewers = h('sightline-viewers', { 'data-testid': 'viewers' })
  viewers.client = client

  const status = h('span', { class: 'connection-status', 'data-testid': 'connection-status' })
  // The status, and while it is not `connected` why (the relay's reason, or what the last
  // attempts ended with), as the badge's tooltip.
  const showStatus = () => {
    status.textContent = client.status
    status.dataset['status'] = client.status
    status.title = client.error?.message ?? ''
  }
  const stopStatus = client.onStatus(showStatus)
  const stopErrors = client.onError(showStatus)

  const el = h('div', { class: 'presence-bar' }, viewers, status)
  return {
    client,
    el,
    destroy() {
      stopStatus()
      stopErrors()
      viewers.client = null
      client.destroy()
    },
  }
}
