import { describe, expect, it } from 'vitest'
import {
  conversationRoom,
  grantAdmits,
  isValidRoomName,
  parseRoom,
  roomGranted,
} from '../src/index.js'

describe('room names', () => {
  it('accepts conversation and mailbox rooms', () => {
    expect(parseRoom(conversationRoom(3, 42))).toEqual({
      kind: 'conversation',
      mailboxId: '3',
      conversationId: '42',
    })
    expect(parseRoom('mailbox/3')).toEqual({ kind: 'mailbox', mailboxId: '3' })
    expect(parseRoom('some-room')).toEqual({ kind: 'other' })
  })

  it.each([
    '',
    '/',
    'mailbox//3',
    'mailbox/3/',
    '/mailbox/3',
    'mailbox/../3',
    'mailbox/./3',
    'mailbox/3?x=1',
    'mailbox/3 4',
    'mailbox/%2e%2e',
    'a/b/c/d/e/f/g/h/i',
    `mailbox/${'x'.repeat(65)}`,
    'x'.repeat(257),
  ])('refuses %j', (name) => {
    expect(isValidRoomName(name)).toBe(false)
    expect(parseRoom(name)).toBeNull()
  })
})

describe('grants', () => {
  it('matches exact names only exactly', () => {
    expect(grantAdmits('mailbox/3', 'mailbox/3')).toBe(true)
    expect(grantAdmits('mailbox/3', 'mailbox/30')).toBe(false)
    expect(grantAdmits('mailbox/3', 'mailbox/3/conversation/1')).toBe(false)
  })

  it('matches prefixes strictly below the slash', () => {
    expect(grantAdmits('mailbox/3/*', 'mailbox/3/conversation/9')).toBe(true)
    expect(grantAdmits('mailbox/3/*', 'mailbox/30/conversation/9')).toBe(false)
    expect(grantAdmits('mailbox/3/*', 'mailbox/3')).toBe(false)
    expect(grantAdmits('mailbox/3/*', 'mailbox/3/')).toBe(false)
  })

  it('admits when any pattern does', () => {
    expect(roomGranted(['mailbox/1/*', 'mailbox/3'], 'mailbox/3')).toBe(true)
    expect(roomGranted(['mailbox/1/*'], 'mailbox/2/conversation/1')).toBe(false)
    expect(roomGranted([], 'mailbox/1')).toBe(false)
  })
})
