/**
 * `<sightline-reply-warning>`: while I compose, tells me someone else is already replying
 * ("Bob is already replying (since 20 s)"). Renders nothing unless `composing` is set and
 * another agent is replying; the first replier in fold order is named, so every tab names the
 * same person.
 */
import { compareViewers, type Viewer } from '@sightline/protocol'
import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { bannerStyles } from './banner-styles.js'
import { warningIcon } from './icons.js'
import { RelativeTimeController } from './relative-time.js'
import { themeStyles } from './theme.js'
import { joinNames } from './viewer-text.js'
import { upgradeProperty, ViewersBinding, type ViewersSource } from './viewers-binding.js'

/** The warning sentence, or null when nobody else is replying. */
export function replyWarningText(
  viewers: readonly Viewer[],
  since: (at: number) => string,
): string | null {
  const repliers = viewers.filter((v) => v.activity === 'replying').sort(compareViewers)
  const first = repliers[0]
  if (first === undefined) return null
  const text = `${first.user.name} is already replying (since ${since(first.since)})`
  const rest = repliers.slice(1).map((v) => v.user.name)
  return rest.length === 0 ? text : `${text}; ${joinNames(rest)} too`
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
    `,
  ]

  /** Other agents (as folded by presence; the local user must not be among them). */
  declare viewers: readonly Viewer[]
  /** True while this agent's reply editor is open. */
  declare composing: boolean

  private readonly time = new RelativeTimeController(this)
  private readonly binding = new ViewersBinding(this, (viewers) => {
    this.viewers = viewers
  })

  constructor() {
    super()
    this.viewers = []
    this.composing = false
    upgradeProperty(this, 'client')
  }

  /** A live source (e.g. a PresenceClient): the element subscribes while connected. */
  get client(): ViewersSource | null {
    return this.binding.source
  }

  set client(source: ViewersSource | null | undefined) {
    this.binding.bind(source)
  }

  protected override render(): TemplateResult | typeof nothing {
    if (!this.composing) return nothing
    const text = replyWarningText(this.viewers, (at) => this.time.since(at))
    if (text === null) return nothing
    return html`<div class="banner" role="alert" data-testid="reply-warning">
      ${warningIcon}<span class="text">${text}</span>
    </div>`
  }
}
