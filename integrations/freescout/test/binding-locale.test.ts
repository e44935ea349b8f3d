// @vitest-environment happy-dom
/**
 * The binding script's language (Public/js/sightline-freescout.js): the FreeScout locale the
 * module passes (`locale` in the sightline-config meta tag) mapped to the bundle's nearest
 * catalogue, else the page's `lang`, else English; run on the widget's embed exports as the
 * IIFE bundle sets them (`window.Sightline`), on a page that is neither a conversation nor a
 * list, so nothing connects.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Sightline from '../../../packages/widget/src/embed.js'

// A path, not a URL: happy-dom's URL is not Node's.
const BINDING = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '../Public/js/sightline-freescout.js'),
  'utf8',
)

interface Binding {
  lang: string
}

/** Runs the binding on a page whose config carries `locale` and whose <html lang> is `pageLang`. */
function bind(locale: string | undefined, pageLang: string | null, bundle: object = Sightline) {
  const config = { relayUrl: 'ws://127.0.0.1:9', tokenUrl: '/sightline-token', locale }
  document.head.innerHTML = ''
  const meta = document.createElement('meta')
  meta.name = 'sightline-config'
  meta.content = JSON.stringify(config)
  document.head.append(meta)
  if (pageLang === null) document.documentElement.removeAttribute('lang')
  else document.documentElement.lang = pageLang
  document.body.setAttribute('data-auth_user_id', '5')
  const win = () => window as unknown as { Sightline?: object; SightlineFreeScout?: Binding }
  win().Sightline = bundle
  win().SightlineFreeScout = undefined
  new Function(BINDING)()
  return win().SightlineFreeScout
}

afterEach(() => {
  document.documentElement.removeAttribute('lang')
  vi.restoreAllMocks()
})

describe('the FreeScout binding speaks the agent language', () => {
  it.each([
    ['zh-CN', 'zh-CN'],
    ['zh_CN', 'zh-CN'],
    ['ZH-cn', 'zh-CN'],
    ['de', 'de'],
    ['fr-CA', 'fr'],
    ['ja', 'ja'],
    ['ar', 'ar'],
    ['es', 'es'],
    ['pt-BR', 'en'],
    ['kz', 'en'],
    ['en', 'en'],
  ])('FreeScout locale %s -> %s', (locale, lang) => {
    expect(bind(locale, 'en')?.lang).toBe(lang)
  })

  it("the module's locale wins over the page's <html lang>; without one, the page's", () => {
    expect(bind('zh-CN', 'de')?.lang).toBe('zh-CN')
    expect(bind(undefined, 'ja')?.lang).toBe('ja')
    expect(bind('', 'fr')?.lang).toBe('fr')
    expect(bind(undefined, null)?.lang).toBe('en')
  })

  it('does not start on a bundle without its sentences (FreeScout viewers stay)', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const { messagesFor: _drop, ...older } = Sightline
    expect(bind('zh-CN', 'en', older)).toBeUndefined()
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('lacks the FreeScout sentences'))
  })
})
