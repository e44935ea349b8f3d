/**
 * `<sightline-replied-notice>`: someone sent a reply while I was composing ("Bob replied 20 s
 * ago"), so I read it before I send mine. The host app feeds `replies`, or sets `client` (a
 * PresenceClient's `onReplies`) and `since` (when composing began); nothing is shown while no
 * reply at or after `since` is left.
 */
import type { PresenceUser } from '@sightline/protocol'
import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { bannerStyles } from './banner-styles.js'
import { closeIcon, repliedIcon } from './icons.js'
import { LiveBinding } from './live-binding.js'
import { localeOf, messagesFor } from './messages.js'
import { RelativeTimeController } from './relative-time.js'
import { themeStyles } from './theme.js'
import { upgradeProperty } from './viewers-binding.js'

/** A reply sent by another agent: who, and when (ms epoch). */
export interface Reply {
  readonly user: PresenceUser
  readonly at: number
}

/** What the `client` property accepts: `onReplies` calls back now and on every change. */
export interface RepliesSource {
  onReplies(listener: (replies: readonly Reply[]) => void): () => void
}

/** Fired (bubbling, composed, cancelable) when the agent dismisses the notice. */
export const DISMISS_EVENT = 'sightline-dismiss'

/** The latest reply of each agent, newest first. */
export function latestReplies(replies: readonly Reply[]): Reply[] {
  const byUser = new Map<string, Reply>()
  for (const r of replies) {
    const seen = byUser.get(r.user.id)
    if (seen === undefined || r.at > seen.at) byUser.set(r.user.id, r)
  }
  return [...byUser.values()].sort((a, b) => b.at - a.at)
}

export class SightlineRepliedNotice extends LitElement {
  static override properties = {
    replies: { attribute: false },
    since: { type: Number },
    locale: { type: String },
  }

  static override styles = [
    themeStyles,
    bannerStyles,
    css`
      .banner {
        background: var(--_notice-bg);
        color: var(--_notice-text);
        border-color: var(--_notice-border);
      }
      .line {
        display: block;
      }
      .dismiss {
        flex: none;
        display: inline-flex;
        padding: 4px;
        border: 0;
        border-radius: var(--_radius);
        background: transparent;
        color: inherit;
        font: inherit;
        cursor: pointer;
      }
      .dismiss:focus-visible {
        outline: 2px solid var(--_focus);
        outline-offset: 2px;
      }
    `,
  ]

  /** Replies sent by others (those before `since` are not shown). */
  declare replies: readonly Reply[]
  /** Only replies at or after this time (ms epoch) are shown; default 0, all of them. */
  declare since: number
  /** The language (BCP 47); default: the nearest `lang` attribute above, else English. */
  declare locale: string

  private readonly time = new RelativeTimeController(this)
  private readonly binding = new LiveBinding<RepliesSource>(this, (source) =>
    source.onReplies((replies) => {
      this.replies = replies
    }),
  )

  constructor() {
    super()
    this.replies = []
    this.since = 0
    this.locale = ''
    upgradeProperty(this, 'client')
  }

  /** A live source (e.g. a PresenceClient): each `onReplies` call replaces `replies`. */
  get client(): RepliesSource | null {
    return this.binding.source
  }

  set client(source: RepliesSource | null | undefined) {
    this.binding.bind(source)
  }

  /** The replies shown: the latest of each agent at or after `since`, newest first. */
  get shown(): Reply[] {
    return latestReplies(this.replies.filter((r) => r.at >= this.since))
  }

  protected override render(): TemplateResult {
    const latest = this.shown
    const m = messagesFor(localeOf(this))
    // The status region stays in the DOM so that screen readers announce what appears in it.
    // It says who replied, without the "N s ago" the banner ticks every second: a change in a
    // live region is spoken again. The banner's text is for the eyes; its button stays reachable.
    const spoken = m.sentences(latest.map((r) => m.repliedSpoken(r.user.name)))
    return html`<div class="visually-hidden" role="status" aria-live="polite">${spoken}</div>
      ${
        latest.length === 0
          ? nothing
          : html`<div class="banner" data-testid="replied-notice">
              ${repliedIcon}<span class="text" aria-hidden="true"
                >${latest.map(
                  (r) =>
                    html`<span class="line">${m.replied(r.user.name, this.time.since(r.at, m))}</span>`,
                )}</span
              ><button
                type="button"
                class="dismiss"
                aria-label=${m.dismiss}
                title=${m.dismiss}
                data-testid="replied-notice-dismiss"
                @click=${this.dismiss}
              >
                ${closeIcon}
              </button>
            </div>`
      }`
  }

  private readonly dismiss = (): void => {
    const event = new CustomEvent(DISMISS_EVENT, {
      bubbles: true,
      composed: true,
      cancelable: true,
      detail: { replies: this.shown },
    })
    if (!this.dispatchEvent(event)) return
    // Hide these for good, also when a bound client calls back with the whole list again.
    const newest = Math.max(this.since, ...this.replies.map((r) => r.at + 1))
    this.replies = []
    this.since = newest
  }
}
