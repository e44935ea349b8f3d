/** German. Not yet reviewed by a native speaker; durations and lists through Intl. */
import { intlDuration } from '../duration.js'
import type { Messages } from '../message-catalogue.js'

const since = (d: string | null) => (d === null ? '' : ` (seit ${d})`)

export const de: Messages = {
  locale: 'de',
  duration: (ms) => intlDuration('de', ms),
  viewer: (name, activity, away) =>
    `${name} ${activity === 'replying' ? 'antwortet' : 'schaut zu'}${away ? ' (abwesend)' : ''}`,
  viewerSince: (line, d) => `${line} (seit ${d})`,
  alreadyReplying: (name, d, others) =>
    `${name} antwortet bereits${since(d)}${others === null ? '' : `; ${others} ebenfalls`}`,
  alsoReplying: (name, d, others) =>
    `${name} antwortet ebenfalls${since(d)}${others === null ? '' : `; ${others} auch`}`,
  startedFirst: (name) =>
    name === null
      ? 'Sie haben zuerst zu antworten begonnen'
      : `${name} hat zuerst zu antworten begonnen`,
  replied: (name, ago) => `${name} hat vor ${ago} geantwortet`,
  repliedSpoken: (name) => `${name} hat geantwortet`,
  dismiss: 'Schließen',
  viewersLabel: 'Weitere Mitarbeiter in dieser Unterhaltung',
  more: (count, names) => `${count} weitere: ${names}`,
  joined: (name) => `${name} ist dazugekommen`,
  startedReplying: (name) => `${name} hat zu antworten begonnen`,
  stoppedReplying: (name) => `${name} antwortet nicht mehr`,
  away: (name) => `${name} ist abwesend`,
  back: (name) => `${name} ist zurück`,
  left: (name) => `${name} ist gegangen`,
  sentences: (parts) => (parts.length === 0 ? '' : `${parts.join('. ')}.`),
  withAway: (line) => `${line} (abwesend)`,
  presenceOffline: 'Präsenz offline',
  presenceOfflineDetail: (reason, helpdesk) =>
    `Die Live-Präsenz ist offline (${reason}): Angezeigt werden die eigenen Betrachter von ${helpdesk}, die verspätet sein oder fehlen können.`,
  offlineReason: (reason, closeCode) => {
    switch (reason) {
      case 'connecting':
        return 'Verbindung zum Relay wird hergestellt'
      case 'unreachable':
        return 'das Relay ist nicht erreichbar'
      case 'refused':
        return `das Relay hat die Verbindung abgelehnt${closeCode === null ? '' : `, Schließcode ${closeCode}`}`
      case 'no-access':
        return 'kein Zugriff'
      case 'no-token':
        return 'kein Token vom Helpdesk'
    }
  },
  replyingNow: (name) => `${name} antwortet gerade`,
  sendAnyway: 'Trotzdem senden?',
}
