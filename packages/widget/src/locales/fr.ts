/** French. Not yet reviewed by a native speaker; durations and lists through Intl. */
import { intlDuration } from '../duration.js'
import type { Messages } from '../message-catalogue.js'

const since = (d: string | null) => (d === null ? '' : ` (depuis ${d})`)

export const fr: Messages = {
  locale: 'fr',
  duration: (ms) => intlDuration('fr', ms),
  viewer: (name, activity, away) =>
    `${name} ${activity === 'replying' ? 'est en train de répondre' : 'consulte'}${away ? ' (inactif)' : ''}`,
  viewerSince: (line, d) => `${line} (depuis ${d})`,
  alreadyReplying: (name, d, others) =>
    `${name} répond déjà${since(d)}${others === null ? '' : ` ; ${others} aussi`}`,
  alsoReplying: (name, d, others) =>
    `${name} répond aussi${since(d)}${others === null ? '' : ` ; ${others} aussi`}`,
  startedFirst: (name) =>
    name === null
      ? 'Vous avez commencé à répondre en premier'
      : `${name} a commencé à répondre en premier`,
  replied: (name, ago) => `${name} a répondu il y a ${ago}`,
  repliedSpoken: (name) => `${name} a répondu`,
  dismiss: 'Fermer',
  viewersLabel: 'Autres agents sur cette conversation',
  more: (count, names) => `${count} de plus : ${names}`,
  joined: (name) => `${name} a rejoint la conversation`,
  startedReplying: (name) => `${name} a commencé à répondre`,
  stoppedReplying: (name) => `${name} a cessé de répondre`,
  away: (name) => `${name} est inactif`,
  back: (name) => `${name} est de retour`,
  left: (name) => `${name} a quitté la conversation`,
  sentences: (parts) => (parts.length === 0 ? '' : `${parts.join('. ')}.`),
  withAway: (line) => `${line} (inactif)`,
  presenceOffline: 'présence hors ligne',
  presenceOfflineDetail: (reason, helpdesk) =>
    `La présence en direct est hors ligne (${reason}) : ce sont les lecteurs de ${helpdesk} qui s'affichent, parfois en retard ou incomplets.`,
  offlineReason: (reason, closeCode) => {
    switch (reason) {
      case 'connecting':
        return 'connexion au relais en cours'
      case 'unreachable':
        return 'le relais est injoignable'
      case 'refused':
        return `le relais a refusé la connexion${closeCode === null ? '' : `, code de fermeture ${closeCode}`}`
      case 'no-access':
        return "pas d'accès"
      case 'no-token':
        return "aucun jeton reçu du service d'assistance"
    }
  },
  replyingNow: (name) => `${name} est en train de répondre`,
  sendAnyway: 'Envoyer quand même ?',
}
