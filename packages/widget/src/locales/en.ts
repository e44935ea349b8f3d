/** English. Durations keep the compact "20 s" / "3 min" / "2 h" / "4 d" the UI was drawn for. */

import { durationParts } from '../duration.js'
import type { Messages } from '../message-catalogue.js'

const UNITS = { second: 's', minute: 'min', hour: 'h', day: 'd' } as const
const number = new Intl.NumberFormat('en')

export const en: Messages = {
  locale: 'en',
  duration(ms) {
    const { unit, n } = durationParts(ms)
    return `${number.format(n)} ${UNITS[unit]}`
  },
  viewer: (name, activity, away) => `${name} is ${activity}${away ? ' (away)' : ''}`,
  viewerSince: (line, duration) => `${line} (since ${duration})`,
  alreadyReplying: (name, duration, others) =>
    `${name} is already replying${duration === null ? '' : ` (since ${duration})`}${
      others === null ? '' : `; ${others} too`
    }`,
  alsoReplying: (name, duration, others) =>
    `${name} is also replying${duration === null ? '' : ` (since ${duration})`}${
      others === null ? '' : `; ${others} too`
    }`,
  startedFirst: (name) => `${name ?? 'You'} started replying first`,
  replied: (name, ago) => `${name} replied ${ago} ago`,
  repliedSpoken: (name) => `${name} replied`,
  dismiss: 'Dismiss',
  viewersLabel: 'Other agents on this conversation',
  more: (count, names) => `${count} more: ${names}`,
  joined: (name) => `${name} joined`,
  startedReplying: (name) => `${name} started replying`,
  stoppedReplying: (name) => `${name} stopped replying`,
  away: (name) => `${name} is away`,
  back: (name) => `${name} is back`,
  left: (name) => `${name} left`,
  sentences: (parts) => (parts.length === 0 ? '' : `${parts.join('. ')}.`),
  withAway: (line) => `${line} (away)`,
  presenceOffline: 'presence offline',
  presenceOfflineDetail: (reason, helpdesk) =>
    `Live presence is offline (${reason}): ${helpdesk}'s own viewers are shown, which may be late or missing.`,
  offlineReason: (reason, closeCode) => {
    switch (reason) {
      case 'connecting':
        return 'connecting to the relay'
      case 'unreachable':
        return 'the relay cannot be reached'
      case 'refused':
        return `the relay refused the connection${closeCode === null ? '' : `, close code ${closeCode}`}`
      case 'no-access':
        return 'no access'
      case 'no-token':
        return 'no token from the helpdesk'
    }
  },
  replyingNow: (name) => `${name} is replying now`,
  sendAnyway: 'Send anyway?',
}
