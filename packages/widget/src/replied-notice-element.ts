/**
 * `<sightline-replied-notice>`: someone sent a reply while I was composing ("Bob replied 20 s
 * ago"), so I read it before I send mine. The host app feeds `replies` (from the conversation's
 * document); nothing is shown while the list is empty.
 */
import type { PresenceUser } from '@sightline/protocol'
import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { bannerStyles } from './banner-styles.js'
import { closeIcon, repliedIcon } from './icons.js'
import { RelativeTimeController } from './relative-time.js'
import { themeStyles } from './theme.js'

/** A reply sent by another agent: who, and when (ms epoch). */
export interface Reply {
  readonly user: PresenceUser
  readonly at: number
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

  /** Replies sent by others since this agent started composing. */
  declare replies: readonly Reply[]

  private readonly time = new RelativeTimeController(this)

  constructor() {
    super()
    this.replies = []
  }

  protected override render(): TemplateResult {
    const latest = latestReplies(this.replies)
    // The status region stays in the DOM so that screen readers announce what appears in it.
    return html`<div role="status" aria-live="polite">
      ${
        latest.length === 0
          ? nothing
          : html`<div class="banner" data-testid="replied-notice">
              ${repliedIcon}<span class="text"
                >${latest.map(
                  (r) =>
                    html`<span class="line">${r.user.name} replied ${this.time.since(r.at)} ago</span>`,
                )}</span
              ><button
                type="button"
                class="dismiss"
                aria-label="Dismiss"
                title="Dismiss"
                data-testid="replied-notice-dismiss"
                @click=${this.dismiss}
              >
                ${closeIcon}
              </button>
            </div>`
      }
    </div>`
  }

  private readonly dismiss = (): void => {
    const event = new CustomEvent(DISMISS_EVENT, {
      bubbles: true,
      composed: true,
      cancelable: true,
      detail: { replies: this.replies },
    })
    if (this.dispatchEvent(event)) this.replies = []
  }
}
