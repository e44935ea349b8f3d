import { describe, expect, it } from 'vitest'
import { matchRoute, paths } from '../src/router.js'

describe('matchRoute', () => {
  it('maps the three app paths and nothing else', () => {
    expect(matchRoute('/')).toEqual({ name: 'sign-in' })
    expect(matchRoute('/mailbox/2')).toEqual({ name: 'mailbox', mailboxId: '2' })
    expect(matchRoute('/mailbox/2/conversation/e2e-x')).toEqual({
      name: 'conversation',
      mailboxId: '2',
      conversationId: 'e2e-x',
    })
    expect(matchRoute('/mailbox/2/conversation')).toEqual({
      name: 'not-found',
      path: '/mailbox/2/conversation',
    })
  })

  it('round-trips the paths it builds', () => {
    expect(matchRoute(paths.conversation('1', 'a b'))).toEqual({
      name: 'conversation',
      mailboxId: '1',
      conversationId: 'a b',
    })
  })
})
