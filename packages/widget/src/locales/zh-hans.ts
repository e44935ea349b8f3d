/** Simplified Chinese (zh-CN). Durations and lists through Intl: "20秒", "Bob和Carol". */
import { intlDuration } from '../duration.js'
import type { Messages } from '../message-catalogue.js'

const duration = (d: string | null) => (d === null ? '' : `（已${d}）`)

export const zhHans: Messages = {
  locale: 'zh-CN',
  duration: (ms) => intlDuration('zh-CN', ms),
  viewer: (name, activity, away) =>
    `${name}${activity === 'replying' ? '正在回复' : '正在查看'}${away ? '（离开）' : ''}`,
  viewerSince: (line, d) => `${line}（已${d}）`,
  alreadyReplying: (name, d, others) =>
    `${name}已在回复${duration(d)}${others === null ? '' : `；${others}也在回复`}`,
  alsoReplying: (name, d, others) =>
    `${name}也在回复${duration(d)}${others === null ? '' : `；${others}也在回复`}`,
  startedFirst: (name) => `${name ?? '你'}最先开始回复`,
  replied: (name, ago) => `${name}已于${ago}前回复`,
  repliedSpoken: (name) => `${name}已回复`,
  dismiss: '关闭',
  viewersLabel: '此会话中的其他客服',
  more: (count, names) => `另外${count}人：${names}`,
  joined: (name) => `${name}加入了`,
  startedReplying: (name) => `${name}开始回复`,
  stoppedReplying: (name) => `${name}停止回复`,
  away: (name) => `${name}暂时离开`,
  back: (name) => `${name}回来了`,
  left: (name) => `${name}离开了`,
  sentences: (parts) => (parts.length === 0 ? '' : `${parts.join('。')}。`),
  withAway: (line) => `${line}（离开）`,
  presenceOffline: '实时状态离线',
  presenceOfflineDetail: (reason, helpdesk) =>
    `实时状态已离线（${reason}）：现在显示的是${helpdesk}自带的查看者，可能滞后或缺失。`,
  offlineReason: (reason, closeCode) => {
    switch (reason) {
      case 'connecting':
        return '正在连接中继服务器'
      case 'unreachable':
        return '无法连接中继服务器'
      case 'refused':
        return `中继服务器拒绝了连接${closeCode === null ? '' : `，关闭代码 ${closeCode}`}`
      case 'no-access':
        return '没有访问权限'
      case 'no-token':
        return '未能从客服系统获取令牌'
    }
  },
  replyingNow: (name) => `${name}正在回复`,
  sendAnyway: '仍然发送吗？',
}
