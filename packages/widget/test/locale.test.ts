// @vitest-environment happy-dom
/** The elements speak the page's language: catalogues, Intl durations and lists, fallbacks. */
import '@sightline/widget'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { formatDuration, type Messages, messagesFor, registerMessages } from '../src/index.js'
import { ar } from '../src/locales/ar.js'
import { de } from '../src/locales/de.js'
import { en } from '../src/locales/en.js'
import { es } from '../src/locales/es.js'
import { fr } from '../src/locales/fr.js'
import { ja } from '../src/locales/ja.js'
import { zhHans } from '../src/locales/zh-hans.js'
import { joinNames } from '../src/viewer-text.js'
import { FakeClient, mount, one, shadow, text, viewer } from './fixtures.js'

const NOW = 1_700_000_000_000

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
  vi.setSystemTime(NOW)
})
afterEach(() => {
  vi.useRealTimers()
  document.documentElement.removeAttribute('lang')
})

const bob = viewer('b', 'Bob', { activity: 'replying', since: NOW - 20_000 })
const carol = viewer('c', 'Carol', { away: true, since: NOW - 185_000 })

/** Every sentence of a catalogue, called with the same sample arguments. */
function sample(m: Messages): string[] {
  return [
    m.duration(20_000),
    m.viewer('Bob', 'replying', false),
    m.viewer('Bob', 'viewing', true),
    m.viewerSince('X', '20 s'),
    m.alreadyReplying('Bob', '20 s', 'Carol'),
    m.alsoReplying('Bob', '20 s', 'Carol'),
    m.startedFirst(null),
    m.startedFirst('Bob'),
    m.replied('Bob', '20 s'),
    m.repliedSpoken('Bob'),
    m.dismiss,
    m.viewersLabel,
    m.more(2, 'Bob'),
    m.joined('Bob'),
    m.startedReplying('Bob'),
    m.stoppedReplying('Bob'),
    m.away('Bob'),
    m.back('Bob'),
    m.left('Bob'),
    // The helpdesk binding's own sentences (integrations/freescout).
    m.withAway('X'),
    m.presenceOffline,
    m.presenceOfflineDetail('R', 'FreeScout'),
    m.offlineReason('connecting', null),
    m.offlineReason('unreachable', null),
    m.offlineReason('refused', 4401),
    m.offlineReason('no-access', null),
    m.offlineReason('no-token', null),
    m.replyingNow('Bob'),
    m.sendAnyway,
    m.sentences(['A', 'B']),
  ]
}

describe('catalogues', () => {
  it.each([
    ['zh-CN', zhHans],
    ['de', de],
    ['fr', fr],
    ['es', es],
    ['ja', ja],
    ['ar', ar],
  ])('%s says every sentence, none of it in English', (tag, catalogue) => {
    expect(messagesFor(tag)).toBe(catalogue)
    expect(Object.keys(catalogue).sort()).toEqual(Object.keys(en).sort())
    const english = sample(en)
    const sentences = sample(catalogue)
    sentences.forEach((line, i) => {
      // A duration ("20 s") and the full stops between sentences may well be English's.
      const shared = i === 0 || i === sentences.length - 1
      if (!shared) expect(line, `sentence ${i}`).not.toBe(english[i])
      expect(line, `sentence ${i}`).not.toMatch(
        /\b(is|replied|replying|viewing|joined|left|more|since|Dismiss|anyway|access|away)\b/i,
      )
    })
  })

  it("says the helpdesk binding's sentences, English as the binding said them before", () => {
    expect(en.presenceOffline).toBe('presence offline')
    expect(en.presenceOfflineDetail(en.offlineReason('refused', 4401), 'FreeScout')).toBe(
      "Live presence is offline (the relay refused the connection, close code 4401): FreeScout's own viewers are shown, which may be late or missing.",
    )
    expect(en.offlineReason('refused', null)).toBe('the relay refused the connection')
    expect(en.sentences([en.replyingNow('Ann Lee')])).toBe('Ann Lee is replying now.')
    expect(en.withAway('Bob is viewing')).toBe('Bob is viewing (away)')
    expect(en.sendAnyway).toBe('Send anyway?')
    expect(zhHans.sentences([zhHans.replyingNow('Ann Lee')])).toBe('Ann Lee正在回复。')
    expect(zhHans.offlineReason('refused', 4401)).toBe('中继服务器拒绝了连接，关闭代码 4401')
  })

  it('formats durations and lists through Intl', () => {
    expect(formatDuration(20_000, 'zh-CN')).toBe('20秒')
    expect(formatDuration(185_000, 'zh-CN')).toBe('3分钟')
    expect(formatDuration(20_000)).toBe('20 s')
    expect(joinNames(['Bob', 'Carol', 'Dave'], messagesFor('zh-CN'))).toBe('Bob、Carol和Dave')
  })

  it('falls back from a region to its language, then to English; takes added catalogues', () => {
    expect(messagesFor('zh-Hans-CN')).toBe(zhHans)
    expect(messagesFor('ZH-cn')).toBe(zhHans)
    expect(messagesFor('fr-FR')).toBe(fr)
    expect(messagesFor('pt-BR')).toBe(en)
    expect(messagesFor('')).toBe(en)
    registerMessages('x-test', { ...en, dismiss: 'Close it' })
    expect(messagesFor('x-test-region').dismiss).toBe('Close it')
  })
})

describe('elements in Chinese', () => {
  it('follow the `lang` of the page, or their own `locale`', async () => {
    document.documentElement.setAttribute('lang', 'zh-CN')
    const viewers = await mount('sightline-viewers', (e) => {
      e.viewers = [bob, carol]
    })
    const labels = [...shadow(viewers).querySelectorAll('[data-testid="viewer-label"]')].map(text)
    expect(labels).toEqual(['Bob正在回复', 'Carol正在查看（离开）'])
    expect(text(one(viewers, 'viewer-tooltip'))).toBe('Bob正在回复（已20秒）')
    expect(shadow(viewers).querySelector('[role="group"]')?.getAttribute('aria-label')).toBe(
      '此会话中的其他客服',
    )

    const english = await mount('sightline-viewers', (e) => {
      e.locale = 'en'
      e.viewers = [bob]
    })
    expect(text(one(english, 'viewer-label'))).toBe('Bob is replying')
  })

  it('warn, notice and badge in Chinese', async () => {
    const warning = await mount('sightline-reply-warning', (e) => {
      e.locale = 'zh-CN'
      e.composing = true
      e.client = new FakeClient([bob])
    })
    expect(text(one(warning, 'reply-warning'))).toBe('Bob已在回复（已20秒）')
    expect(text(one(warning, 'reply-warning-spoken'))).toBe('Bob已在回复。')

    const notice = await mount('sightline-replied-notice', (e) => {
      e.locale = 'zh-CN'
      e.replies = [{ user: bob.user, at: NOW - 185_000 }]
    })
    expect(text(one(notice, 'replied-notice'))).toBe('Bob已于3分钟前回复')
    expect(one(notice, 'replied-notice-dismiss')?.getAttribute('aria-label')).toBe('关闭')

    const badge = await mount('sightline-list-badge', (e) => {
      e.locale = 'zh-CN'
      e.viewers = [bob, carol]
    })
    expect(one(badge, 'list-badge')?.getAttribute('aria-label')).toBe(
      'Bob正在回复和Carol正在查看（离开）',
    )
  })
})
