/**
 * Every word the elements show or speak, per locale, from catalogues (`locales/*.ts`).
 * Numbers, durations and lists go through `Intl`, so a catalogue holds only sentences.
 *
 * An element's locale is its `locale` attribute, else the `lang` of its nearest ancestor that
 * has one (a helpdesk page usually says `<html lang="zh-CN">`), else English. A locale without
 * a catalogue falls back to shorter tags (`zh-Hans-SG` -> `zh-hans`), then to English; a host app adds
 * one with `registerMessages`.
 */
import { ar } from './locales/ar.js'
import { de } from './locales/de.js'
import { en } from './locales/en.js'
import { es } from './locales/es.js'
import { fr } from './locales/fr.js'
import { ja } from './locales/ja.js'
import { zhHans } from './locales/zh-hans.js'
import type { Messages } from './message-catalogue.js'

export type { Messages } from './message-catalogue.js'

const catalogues = new Map<string, Messages>([
  ['en', en],
  ['ar', ar],
  ['de', de],
  ['es', es],
  ['fr', fr],
  ['ja', ja],
  ['zh', zhHans],
  ['zh-cn', zhHans],
  ['zh-hans', zhHans],
  ['zh-sg', zhHans],
])

/** Adds or replaces the catalogue of `locale` (a BCP 47 tag, matched case-insensitively). */
export function registerMessages(locale: string, messages: Messages): void {
  catalogues.set(locale.toLowerCase(), messages)
}

/** The catalogue for `locale`: the tag, then shorter and shorter prefixes of it, then English. */
export function messagesFor(locale: string | null | undefined): Messages {
  const parts = (locale ?? '').trim().toLowerCase().split('-')
  for (let n = parts.length; n > 0; n--) {
    const found = catalogues.get(parts.slice(0, n).join('-'))
    if (found !== undefined) return found
  }
  return en
}

/** The locale an element speaks: its `locale`, else the nearest `lang` above it, else ''. */
export function localeOf(element: HTMLElement & { locale?: string | null }): string {
  if (element.locale) return element.locale
  return element.closest('[lang]')?.getAttribute('lang') ?? ''
}

/** A list through `Intl.ListFormat`: "Bob and Carol", "Bob、Carol和Dave". */
export function formatList(messages: Messages, items: readonly string[]): string {
  return new Intl.ListFormat(messages.locale, { type: 'conjunction' }).format(items)
}
