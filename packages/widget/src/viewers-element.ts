/**
 * `<sightline-viewers>`: who else is on this conversation. One chip per agent (avatar, and a
 * visible line "Bob is replying"), replying agents first with a coloured ring and a pencil, away
 * agents dimmed, a "+N" chip beyond `max`. Every avatar is focusable and describes itself in a
 * tooltip shown on hover and on keyboard focus; a polite live region announces changes.
 */
import { compareViewers, type Viewer } from '@sightline/protocol'
import { css, html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit'
import { describeChanges } from './announcements.js'
import { AvatarFailures, avatarStyles, renderAvatar } from './avatar.js'
import { pencilIcon } from './icons.js'
import { localeOf, type Messages, messagesFor } from './messages.js'
import { RelativeTimeController } from './relative-time.js'
import { themeStyles } from './theme.js'
import { joinNames, viewerDetail, viewerLine } from './viewer-text.js'
import { upgradeProperty, ViewersBinding, type ViewersSource } from './viewers-binding.js'

/** Default of the `max` attribute: avatars shown before the "+N" chip. */
export const DEFAULT_MAX_VIEWERS = 5
/** Default of the `label` attribute: the group's accessible name. */
export const DEFAULT_VIEWERS_LABEL = messagesFor('en').viewersLabel

export class SightlineViewers extends LitElement {
  static override properties = {
    viewers: { attribute: false },
    max: { type: Number },
    label: { type: String },
    locale: { type: String },
    announcement: { state: true },
    dismissedTip: { state: true },
  }

  static override styles = [
    themeStyles,
    avatarStyles,
    css`
      :host {
        display: block;
      }
      .viewers {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 4px 12px;
        margin: 0;
        padding: 0;
        list-style: none;
      }
      .viewer,
      .overflow-item {
        position: relative;
        display: inline-flex;
        align-items: center;
        gap: 8px;
      }
      /* The line already says "(away)"; muted, not faded, so it keeps its contrast. */
      .viewer[data-away='true'] .label {
        color: var(--_muted);
      }
      .chip {
        position: relative;
        display: inline-flex;
        border-radius: 50%;
        outline: none;
      }
      .chip:focus-visible {
        outline: 2px solid var(--_focus);
        outline-offset: calc(var(--_ring-width) * 2 + 2px);
      }
      .viewer[data-activity='replying'] .avatar {
        box-shadow: 0 0 0 var(--_ring-width) var(--_surface),
          0 0 0 calc(var(--_ring-width) * 2) var(--_replying);
      }
      .pencil {
        position: absolute;
        inset-inline-end: -4px;
        bottom: -4px;
        display: inline-flex;
        padding: 2px;
        border-radius: 50%;
        background: var(--_replying);
        color: #fff;
        box-shadow: 0 0 0 1px var(--_surface);
      }
      .icon {
        width: 10px;
        height: 10px;
        display: block;
      }
      .label {
        color: var(--_muted);
        white-space: nowrap;
      }
      .viewer[data-activity='replying'] .label {
        color: var(--_text);
        font-weight: 600;
      }
      .overflow {
        display: inline-flex;
        align-items: center;
        justify-content: center;
        box-sizing: border-box;
        min-width: var(--_avatar-size);
        height: var(--_avatar-size);
        padding: 0 6px;
        border-radius: calc(var(--_avatar-size) / 2);
        border: 1px solid var(--_border);
        /* A tint of the text colour, not the surface: the chip stays readable on any header. */
        background: color-mix(in srgb, currentColor 10%, transparent);
        color: var(--_text);
        font-size: calc(var(--_avatar-size) * 0.4);
        font-weight: 600;
        outline: none;
      }
      .overflow:focus-visible {
        outline: 2px solid var(--_focus);
        outline-offset: 2px;
      }
      .tooltip {
        position: absolute;
        top: calc(100% + 6px);
        inset-inline-start: 0;
        z-index: 10;
        width: max-content;
        max-width: 18rem;
        padding: 4px 8px;
        border-radius: var(--_radius);
        background: var(--_tooltip-bg);
        color: var(--_tooltip-text);
        font-size: 0.8125rem;
        line-height: 1.4;
        pointer-events: none;
        visibility: hidden;
      }
      .tooltip-line {
        display: block;
      }
      .chip:hover + .tooltip,
      .chip:focus + .tooltip,
      .overflow:hover + .tooltip,
      .overflow:focus + .tooltip {
        visibility: visible;
      }
      [data-tip-dismissed] .tooltip {
        visibility: hidden !important;
      }
    `,
  ]

  /** The agents to show, in any order (sorted here: replying first, then earliest). */
  declare viewers: readonly Viewer[]
  /** How many avatars before the "+N" chip (attribute `max`, default 5). */
  declare max: number
  /** Accessible name of the group (attribute `label`); empty: the catalogue's. */
  declare label: string
  /** The language (BCP 47); default: the nearest `lang` attribute above, else English. */
  declare locale: string
  declare private announcement: string
  /** The tooltip hidden with Escape (WCAG 1.4.13), until focus or pointer leaves it. */
  declare private dismissedTip: string | null

  private readonly time = new RelativeTimeController(this)
  private readonly avatars = new AvatarFailures(this)
  private readonly binding = new ViewersBinding(this, (viewers) => {
    this.viewers = viewers
  })

  constructor() {
    super()
    this.viewers = []
    this.max = DEFAULT_MAX_VIEWERS
    this.label = ''
    this.locale = ''
    this.announcement = ''
    this.dismissedTip = null
    upgradeProperty(this, 'client')
  }

  /** A live source (e.g. a PresenceClient): the element subscribes while connected. */
  get client(): ViewersSource | null {
    return this.binding.source
  }

  set client(source: ViewersSource | null | undefined) {
    this.binding.bind(source)
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('viewers') || !this.hasUpdated) return
    const before = (changed.get('viewers') as readonly Viewer[] | undefined) ?? []
    const m = messagesFor(localeOf(this))
    const changes = describeChanges(before, this.viewers, m)
    if (changes.length === 0) return
    const text = m.sentences(changes)
    // A live region only speaks when its text changes: vary a repeated message invisibly.
    this.announcement = text === this.announcement ? `${text}\u00a0` : text
  }

  protected override render(): TemplateResult {
    const sorted = [...this.viewers].sort(compareViewers)
    const max = Number.isFinite(this.max) ? Math.max(0, Math.floor(this.max)) : DEFAULT_MAX_VIEWERS
    const shown = sorted.slice(0, max)
    const hidden = sorted.slice(max)
    const m = messagesFor(localeOf(this))
    return html`${
      sorted.length === 0
        ? nothing
        : html`<div role="group" aria-label=${this.label || m.viewersLabel}>
            <ul class="viewers" role="list">
              ${shown.map((v, i) => this.renderViewer(v, i, m))}
              ${hidden.length > 0 ? this.renderOverflow(hidden, m) : nothing}
            </ul>
          </div>`
    }<span class="visually-hidden" aria-live="polite" data-testid="viewers-announcer"
        >${this.announcement}</span
      >`
  }

  private renderViewer(v: Viewer, index: number, m: Messages): TemplateResult {
    const tipId = `sightline-tip-${index}`
    const line = viewerLine(v, m)
    return html`<li
      class="viewer"
      data-testid="viewer"
      data-user-id=${v.user.id}
      data-activity=${v.activity}
      data-away=${v.away ? 'true' : 'false'}
      ?data-tip-dismissed=${this.dismissedTip === v.user.id}
    >
      <span
        class="chip"
        tabindex="0"
        role="img"
        aria-label=${line}
        aria-describedby=${tipId}
        @keydown=${(e: KeyboardEvent) => this.onKeydown(e, v.user.id)}
        @blur=${this.resetDismissed}
        @mouseleave=${this.resetDismissed}
        >${renderAvatar(v.user, this.avatars)}${
          v.activity === 'replying' ? html`<span class="pencil">${pencilIcon}</span>` : nothing
        }</span
      ><span class="tooltip" role="tooltip" id=${tipId} data-testid="viewer-tooltip"
        >${viewerDetail(v, this.time.since(v.since, m), m)}</span
      ><span class="label" data-testid="viewer-label">${line}</span>
    </li>`
  }

  private renderOverflow(hidden: readonly Viewer[], m: Messages): TemplateResult {
    const names = joinNames(
      hidden.map((v) => v.user.name),
      m,
    )
    return html`<li class="overflow-item" ?data-tip-dismissed=${this.dismissedTip === '+'}>
      <span
        class="overflow"
        data-testid="viewers-overflow"
        tabindex="0"
        role="img"
        aria-label=${m.more(hidden.length, names)}
        aria-describedby="sightline-tip-overflow"
        @keydown=${(e: KeyboardEvent) => this.onKeydown(e, '+')}
        @blur=${this.resetDismissed}
        @mouseleave=${this.resetDismissed}
        >+${hidden.length}</span
      ><span
        class="tooltip"
        role="tooltip"
        id="sightline-tip-overflow"
        data-testid="viewers-overflow-tooltip"
        >${hidden.map((v) => html`<span class="tooltip-line">${viewerLine(v, m)}</span>`)}</span
      >
    </li>`
  }

  private onKeydown(e: KeyboardEvent, key: string): void {
    if (e.key === 'Escape') this.dismissedTip = key
  }

  private readonly resetDismissed = (): void => {
    this.dismissedTip = null
  }
}
