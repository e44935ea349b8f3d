/**
 * `<sightline-reply-warning>`: while I compose, tells me someone else is already replying
 * ("Bob is already replying (since 20 s)"). Renders nothing unless `composing` is set and
 * another agent is replying; the first replier in fold order is named, so every tab names the
 * same person. Bound to a client that can count this agent too (a PresenceClient's
 * `firstReplier()`), it also says who started first: "You started replying first".
 */
import { compareViewers, type Viewer } from '@sightline/protocol'
import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { bannerStyles } from './banner-styles.js'
import { warningIcon } from './icons.js'
import { LiveBinding } from './live-binding.js'
import { RelativeTimeController } from './relative-time.js'
import { themeStyles } from './theme.js'
import { joinNames } from './viewer-text.js'
import { upgradeProperty, type ViewersSource } from './viewers-binding.js'

/**
 * What the `client` property accepts: a viewers source, optionally able to name the first
 * replier counting this agent too (`firstReplier()`) and to say who this agent is (`user`).
 */
export interface ReplyWarningSource extends ViewersSource {
  firstReplier?(): Viewer | null
  readonly user?: { readonly id: string }
}

/**
 * The warning sentence, or null when nobody else is replying. `since` formats how long the
 * first replier has been at it; null leaves the duration out (the spoken form, which must not
 * change every second).
 */
export function replyWarningText(
  viewers: readonly Viewer[],
  since: ((at: number) => string) | null,
): string | null {
  const repliers = viewers.filter((v) => v.activity === 'replying').sort(compareViewers)
  const first = repliers[0]
  if (first === undefined) return null
  const duration = since === null ? '' : ` (since ${since(first.since)})`
  const text = `${first.user.name} is already replying${duration}`
  const rest = repliers.slice(1).map((v) => v.user.name)
  return rest.length === 0 ? text : `${text}; ${joinNames(rest)} too`
}

/** "You started replying first" / "Bob started replying first". */
export function firstReplierText(first: Viewer, selfId: string | undefined): string {
  return `${first.user.id === selfId ? 'You' : first.user.name} started replying first`
}

export class SightlineReplyWarning extends LitElement {
  static override properties = {
    viewers: { attribute: false },
    composing: { type: Boolean, reflect: true },
  }

  static override styles = [
    themeStyles,
    bannerStyles,
    css`
      .banner {
        background: var(--_warning-bg);
        color: var(--_warning-text);
        border-color: var(--_warning-border);
      }
      .first {
        display: block;
        font-weight: 600;
      }
    `,
  ]

  /** Other agents (as folded by presence; the local user must not be among them). */
  declare viewers: readonly Viewer[]
  /** True while this agent's reply editor is open. */
  declare composing: boolean

  private readonly time = new RelativeTimeController(this)
  private readonly binding = new LiveBinding<ReplyWarningSource>(this, (source) =>
    source.subscribe((viewers) => {
      this.viewers = viewers
    }),
  )

  constructor() {
    super()
    this.viewers = []
    this.composing = false
    upgradeProperty(this, 'client')
  }

  /**
   * A live source (e.g. a PresenceClient): the element subscribes while connected. Its
   * `firstReplier()` is read on each render (viewers, `composing` and the clock tick trigger
   * one), which covers this agent's own changes as long as the host flips `composing` with them.
   */
  get client(): ReplyWarningSource | null {
    return this.binding.source
  }

  set client(source: ReplyWarningSource | null | undefined) {
    this.binding.bind(source)
  }

  protected override render(): TemplateResult | typeof nothing {
    if (!this.composing) return nothing
    const text = replyWarningText(this.viewers, (at) => this.time.since(at))
    if (text === null) return nothing
    const client = this.binding.source
    const first = client?.firstReplier?.() ?? null
    const firstText = first === null ? null : firstReplierText(first, client?.user?.id)
    // Screen readers hear the alert once: it leaves out the duration the banner ticks every
    // second (a change inside an alert is spoken again). The banner is for the eyes only.
    const spoken = [replyWarningText(this.viewers, null), firstText].filter((t) => t !== null)
    return html`<div class="visually-hidden" role="alert" data-testid="reply-warning-spoken">
        ${spoken.join('. ')}
      </div>
      <div class="banner" aria-hidden="true" data-testid="reply-warning">
      ${warningIcon}<span class="text"
        >${text} ${
          first === null
            ? nothing
            : html`<span class="first" data-testid="reply-first" data-user-id=${first.user.id}
                >${firstText}</span
              >`
        }</span
      >
    </div>`
  }
}
