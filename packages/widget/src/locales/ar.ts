/** Arabic, written right to left. Not yet reviewed by a native speaker; durations and lists through Intl. */
import { intlDuration } from '../duration.js'
import type { Messages } from '../message-catalogue.js'

const since = (d: string | null) => (d === null ? '' : ` (منذ ${d})`)

export const ar: Messages = {
  locale: 'ar',
  duration: (ms) => intlDuration('ar', ms),
  viewer: (name, activity, away) =>
    `${name} ${activity === 'replying' ? 'يكتب ردًا' : 'يشاهد'}${away ? ' (غير متواجد)' : ''}`,
  viewerSince: (line, d) => `${line} (منذ ${d})`,
  alreadyReplying: (name, d, others) =>
    `${name} يكتب ردًا بالفعل${since(d)}${others === null ? '' : `؛ ${others} أيضًا`}`,
  alsoReplying: (name, d, others) =>
    `${name} يكتب ردًا أيضًا${since(d)}${others === null ? '' : `؛ ${others} أيضًا`}`,
  startedFirst: (name) => (name === null ? 'أنت بدأت الرد أولًا' : `${name} بدأ الرد أولًا`),
  replied: (name, ago) => `ردّ ${name} منذ ${ago}`,
  repliedSpoken: (name) => `ردّ ${name}`,
  dismiss: 'إغلاق',
  viewersLabel: 'وكلاء آخرون في هذه المحادثة',
  more: (count, names) => `${count} آخرون: ${names}`,
  joined: (name) => `انضم ${name}`,
  startedReplying: (name) => `بدأ ${name} الرد`,
  stoppedReplying: (name) => `توقف ${name} عن الرد`,
  away: (name) => `${name} غير متواجد`,
  back: (name) => `عاد ${name}`,
  left: (name) => `غادر ${name}`,
  sentences: (parts) => (parts.length === 0 ? '' : `${parts.join('. ')}.`),
  withAway: (line) => `${line} (غير متواجد)`,
  presenceOffline: 'الحضور غير متصل',
  presenceOfflineDetail: (reason, helpdesk) =>
    `الحضور المباشر غير متصل (${reason}): يُعرض مشاهدو ${helpdesk} الخاصون به، وقد يتأخرون أو يغيب بعضهم.`,
  offlineReason: (reason, closeCode) => {
    switch (reason) {
      case 'connecting':
        return 'جارٍ الاتصال بخادم الترحيل'
      case 'unreachable':
        return 'تعذّر الوصول إلى خادم الترحيل'
      case 'refused':
        return `رفض خادم الترحيل الاتصال${closeCode === null ? '' : `، رمز الإغلاق ${closeCode}`}`
      case 'no-access':
        return 'لا توجد صلاحية وصول'
      case 'no-token':
        return 'لم يصل رمز من نظام الدعم'
    }
  },
  replyingNow: (name) => `${name} يكتب ردًا الآن`,
  sendAnyway: 'هل تريد الإرسال على أي حال؟',
}
