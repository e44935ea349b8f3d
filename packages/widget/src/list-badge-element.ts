/**
 * `<sightline-list-badge>`: presence on a mailbox list row. A corner badge (yellow: someone is
 * viewing, red: someone is replying, like FreeScout's triangle and Help Scout's corner icons)
 * and up to three mini avatars. It re-renders from whatever `viewers` it is given, so a live
 * source keeps it fresh instead of a value computed when the list was rendered.
 */
import { compareViewers, type Viewer } from '@sightline/protocol'
import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { AvatarFailures, avatarStyles, renderAvatar } from './avatar.js'
import { cornerIcon } from './icons.js'
import { localeOf, messagesFor } from './messages.js'
import { themeStyles } from './theme.js'
import { joinNames, viewerLine } from './viewer-text.js'

/** Mini avatars shown at most; the rest are counted in the label. */
export const LIST_BADGE_AVATARS = 3

export type ListBadgeState = 'viewing' | 'replying' | 'none'

/** The strongest activity among `viewers`. */
export function listBadgeState(viewers: readonly Viewer[]): ListBadgeState {
  if (viewers.some((v) => v.activity === 'replying')) return 'replying'
  return viewers.length > 0 ? 'viewing' : 'none'
}

export class SightlineListBadge extends LitElement {
  static override properties = {
    viewers: { attribute: false },
    locale: { type: String },
  }

  static override styles = [
    themeStyles,
    avatarStyles,
    css`
      :host {
        display: inline-block;
        vertical-align: middle;
        --_avatar-size: var(--sightline-mini-avatar-size, 18px);
      }
      .badge {
        display: inline-flex;
        align-items: center;
        gap: 4px;
      }
      .badge[data-state='none'] {
        display: none;
      }
      .corner {
        width: 12px;
        height: 12px;
        flex: none;
      }
      .badge[data-state='viewing'] .corner {
        color: var(--_viewing);
      }
      .badge[data-state='replying'] .corner {
        color: var(--_replying);
      }
      .minis {
        display: inline-flex;
      }
      .mini + .mini {
        margin-inline-start: -4px;
      }
      .mini .avatar {
        box-shadow: 0 0 0 1px var(--_surface);
      }
      .mini[data-activity='replying'] .avatar {
        box-shadow: 0 0 0 1px var(--_surface), 0 0 0 2px var(--_replying);
      }
      .more {
        color: var(--_muted);
        font-size: 0.75rem;
      }
    `,
  ]

  /** The agents on this row's conversation. */
  declare viewers: readonly Viewer[]
  /** The language (BCP 47); default: the nearest `lang` attribute above, else English. */
  declare locale: string

  private readonly avatars = new AvatarFailures(this)

  constructor() {
    super()
    this.viewers = []
    this.locale = ''
  }

  protected override render(): TemplateResult {
    const sorted = [...this.viewers].sort(compareViewers)
    const state = listBadgeState(sorted)
    const shown = sorted.slice(0, LIST_BADGE_AVATARS)
    const more = sorted.length - shown.length
    const m = messagesFor(localeOf(this))
    const label = joinNames(
      sorted.map((v) => viewerLine(v, m)),
      m,
    )
    return html`<span
      class="badge"
      data-testid="list-badge"
      data-state=${state}
      role=${state === 'none' ? nothing : 'img'}
      aria-label=${state === 'none' ? nothing : label}
      title=${state === 'none' ? nothing : label}
      >${cornerIcon}<span class="minis"
        >${shown.map(
          (v) =>
            html`<span
              class="mini"
              data-testid="list-badge-avatar"
              data-user-id=${v.user.id}
              data-activity=${v.activity}
              data-away=${v.away ? 'true' : 'false'}
              >${renderAvatar(v.user, this.avatars)}</span
            >`,
        )}</span
      >${more > 0 ? html`<span class="more" data-testid="list-badge-more">+${more}</span>` : nothing}</span
    >`
  }
}
