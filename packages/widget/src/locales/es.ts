/** Spanish. Not yet reviewed by a native speaker; durations and lists through Intl. */
import { intlDuration } from '../duration.js'
import type { Messages } from '../message-catalogue.js'

const since = (d: string | null) => (d === null ? '' : ` (desde hace ${d})`)

export const es: Messages = {
  locale: 'es',
  duration: (ms) => intlDuration('es', ms),
  viewer: (name, activity, away) =>
    `${name} ${activity === 'replying' ? 'está respondiendo' : 'está viendo'}${away ? ' (ausente)' : ''}`,
  viewerSince: (line, d) => `${line} (desde hace ${d})`,
  alreadyReplying: (name, d, others) =>
    `${name} ya está respondiendo${since(d)}${others === null ? '' : `; ${others} también`}`,
  alsoReplying: (name, d, others) =>
    `${name} también está respondiendo${since(d)}${others === null ? '' : `; ${others} también`}`,
  startedFirst: (name) =>
    name === null ? 'Empezaste a responder primero' : `${name} empezó a responder primero`,
  replied: (name, ago) => `${name} respondió hace ${ago}`,
  repliedSpoken: (name) => `${name} respondió`,
  dismiss: 'Cerrar',
  viewersLabel: 'Otros agentes en esta conversación',
  more: (count, names) => `${count} más: ${names}`,
  joined: (name) => `${name} se unió`,
  startedReplying: (name) => `${name} empezó a responder`,
  stoppedReplying: (name) => `${name} dejó de responder`,
  away: (name) => `${name} está ausente`,
  back: (name) => `${name} ha vuelto`,
  left: (name) => `${name} se fue`,
  sentences: (parts) => (parts.length === 0 ? '' : `${parts.join('. ')}.`),
  withAway: (line) => `${line} (ausente)`,
  presenceOffline: 'presencia sin conexión',
  presenceOfflineDetail: (reason, helpdesk) =>
    `La presencia en vivo está sin conexión (${reason}): se muestran los lectores propios de ${helpdesk}, que pueden llegar tarde o faltar.`,
  offlineReason: (reason, closeCode) => {
    switch (reason) {
      case 'connecting':
        return 'conectando con el relé'
      case 'unreachable':
        return 'no se puede contactar con el relé'
      case 'refused':
        return `el relé rechazó la conexión${closeCode === null ? '' : `, código de cierre ${closeCode}`}`
      case 'no-access':
        return 'sin acceso'
      case 'no-token':
        return 'ningún token del sistema de soporte'
    }
  },
  replyingNow: (name) => `${name} está respondiendo ahora`,
  sendAnyway: '¿Enviar de todos modos?',
}
