/**
 * The desk's language: `?lang=zh-CN` (remembered for the tab's later pages), else the
 * browser's, else English. It sets `<html lang dir>`, which the widget's elements follow, and
 * picks the catalogue of the desk's own words below; the collision sentences come from the
 * widget's catalogues, so the dialog reads like the banners.
 */
import { type Messages, messagesFor } from '@sightline/widget'

export interface DeskText {
  readonly mailboxes: string
  readonly signOut: string
  readonly signIn: string
  readonly pickAgent: string
  readonly loading: string
  readonly noAccess: string
  readonly noAccessToMailbox: string
  readonly notFound: string
  readonly error: string
  readonly noConversations: string
  couldNotLoad(reason: string): string
  readonly reply: string
  readonly replyPlaceholder: string
  readonly send: string
  readonly close: string
  notSent(reason: string): string
  readonly sendAnywayTitle: string
  readonly sendAnyway: string
  readonly cancel: string
}

const en: DeskText = {
  mailboxes: 'Mailboxes',
  signOut: 'Sign out',
  signIn: 'Sign in',
  pickAgent: 'Pick a demo agent. Use a different agent in each window.',
  loading: 'Loading…',
  noAccess: 'No access',
  noAccessToMailbox: 'You do not have access to this mailbox.',
  notFound: 'Not found',
  error: 'Error',
  noConversations: 'No conversations.',
  couldNotLoad: (reason) => `Could not load conversations: ${reason}`,
  reply: 'Reply',
  replyPlaceholder: 'Write your reply…',
  send: 'Send',
  close: 'Close',
  notSent: (reason) => `Not sent: ${reason}`,
  sendAnywayTitle: 'Send anyway?',
  sendAnyway: 'Send anyway',
  cancel: 'Cancel',
}

const zhHans: DeskText = {
  mailboxes: '邮箱',
  signOut: '退出登录',
  signIn: '登录',
  pickAgent: '选择一个演示客服。每个窗口使用不同的客服。',
  loading: '加载中…',
  noAccess: '无权访问',
  noAccessToMailbox: '你无权访问此邮箱。',
  notFound: '未找到',
  error: '出错了',
  noConversations: '没有会话。',
  couldNotLoad: (reason) => `无法加载会话：${reason}`,
  reply: '回复',
  replyPlaceholder: '写下你的回复…',
  send: '发送',
  close: '关闭',
  notSent: (reason) => `未发送：${reason}`,
  sendAnywayTitle: '仍然发送？',
  sendAnyway: '仍然发送',
  cancel: '取消',
}

const KEY = 'sightline.locale'
/** Languages written right to left (their primary subtags). */
const RTL = new Set(['ar', 'fa', 'he', 'ur'])

/** The locale this tab uses (see the file header). */
export function deskLocale(): string {
  const asked = new URLSearchParams(location.search).get('lang')
  if (asked !== null && asked !== '') {
    sessionStorage.setItem(KEY, asked)
    return asked
  }
  return sessionStorage.getItem(KEY) ?? navigator.language ?? 'en'
}

/** The desk's words for `locale`: Chinese for any `zh` tag, English otherwise. */
export function deskText(locale: string): DeskText {
  return locale.toLowerCase().split('-')[0] === 'zh' ? zhHans : en
}

/** Sets the document's language and direction; the widget's elements follow `lang`. */
export function applyLocale(locale: string): void {
  document.documentElement.lang = locale
  document.documentElement.dir = RTL.has(locale.toLowerCase().split('-')[0] ?? '') ? 'rtl' : 'ltr'
}

export const locale = deskLocale()
/** The desk's own words in this tab's language. */
export const text: DeskText = deskText(locale)
/** The widget's catalogue for this tab's language (collision sentences, durations). */
export const widgetText: Messages = messagesFor(locale)
