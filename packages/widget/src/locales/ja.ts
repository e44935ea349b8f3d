/** Japanese. Not yet reviewed by a native speaker; durations and lists through Intl. */
import { intlDuration } from '../duration.js'
import type { Messages } from '../message-catalogue.js'

const since = (d: string | null) => (d === null ? '' : `（${d}前から）`)

export const ja: Messages = {
  locale: 'ja',
  duration: (ms) => intlDuration('ja', ms),
  viewer: (name, activity, away) =>
    `${name}さんが${activity === 'replying' ? '返信中' : '閲覧中'}${away ? '（離席中）' : ''}`,
  viewerSince: (line, d) => `${line}（${d}前から）`,
  alreadyReplying: (name, d, others) =>
    `${name}さんがすでに返信中です${since(d)}${others === null ? '' : `；${others}も返信中です`}`,
  alsoReplying: (name, d, others) =>
    `${name}さんも返信中です${since(d)}${others === null ? '' : `；${others}も返信中です`}`,
  startedFirst: (name) =>
    name === null ? 'あなたが最初に返信を始めました' : `${name}さんが最初に返信を始めました`,
  replied: (name, ago) => `${name}さんが${ago}前に返信しました`,
  repliedSpoken: (name) => `${name}さんが返信しました`,
  dismiss: '閉じる',
  viewersLabel: 'この会話を開いている他の担当者',
  more: (count, names) => `ほか${count}人：${names}`,
  joined: (name) => `${name}さんが参加しました`,
  startedReplying: (name) => `${name}さんが返信を始めました`,
  stoppedReplying: (name) => `${name}さんが返信をやめました`,
  away: (name) => `${name}さんは離席中です`,
  back: (name) => `${name}さんが戻りました`,
  left: (name) => `${name}さんが退出しました`,
  sentences: (parts) => (parts.length === 0 ? '' : `${parts.join('。')}。`),
  withAway: (line) => `${line}（離席中）`,
  presenceOffline: 'プレゼンスはオフライン',
  presenceOfflineDetail: (reason, helpdesk) =>
    `ライブプレゼンスはオフラインです（${reason}）。${helpdesk}自身の閲覧者を表示していますが、遅れたり欠けたりすることがあります。`,
  offlineReason: (reason, closeCode) => {
    switch (reason) {
      case 'connecting':
        return 'リレーに接続中'
      case 'unreachable':
        return 'リレーに接続できません'
      case 'refused':
        return `リレーが接続を拒否しました${closeCode === null ? '' : `（終了コード ${closeCode}）`}`
      case 'no-access':
        return 'アクセス権がありません'
      case 'no-token':
        return 'ヘルプデスクからトークンを取得できません'
    }
  },
  replyingNow: (name) => `${name}さんが返信中です`,
  sendAnyway: 'このまま送信しますか？',
}
