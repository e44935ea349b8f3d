/**
 * `<sightline-reply-warning>`: while I compose, tells me someone else is already replying
 * ("Bob is already replying (since 20 s)"). Renders nothing unless `composing` is set and
 * another agent is replying; the first replier in fold order is named, so every tab names the
 * same person. Bound to a client that can count this agent too (a PresenceClient's
 * `firstReplier()`), it also says who started first, and its tone follows: the agent who came
 * second gets the warning ("Bob is already replying" / "Bob started replying first"), the
 * one who started first a calm notice ("Alice is also replying" / "You started replying
 * first"): the alarm is for whoever would answer a customer someone is already answering.
 */
import { compareViewers, type Viewer } from '@sightline/protocol'
import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { bannerStyles } from './banner-styles.js'
import { pencilIcon, warningIcon } from './icons.js'
import { LiveBinding } from './live-binding.js'
import { localeOf, type Messages, messagesFor } from './messages.js'
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

/** Formats how long ago `at` (ms epoch) was; null leaves durations out. */
type Since = ((at: number) => string) | null

/** The repliers among `viewers` in fold order, as one sentence of `kind`, or null. */
function repliersText(
  viewers: readonly Viewer[],
  since: Since,
  m: Messages,
  kind: 'alreadyReplying' | 'alsoReplying',
): string | null {
  const repliers = viewers.filter((v) => v.activity === 'replying').sort(compareViewers)
  const first = repliers[0]
  if (first === undefined) return null
  const rest = repliers.slice(1).map((v) => v.user.name)
  const others = rest.length === 0 ? null : joinNames(rest, m)
  return m[kind](first.user.name, since === null ? null : since(first.since), others)
}

/**
 * The warning sentence, or null when nobody else is replying. `since` formats how long the
 * first replier has been at it; null leaves the duration out (the spoken form, which must not
 * change every second). `m`: the catalogue (default English).
 */
export function replyWarningText(
  viewers: readonly Viewer[],
  since: Since,
  m: Messages = messagesFor('en'),
): string | null {
  return repliersText(viewers, since, m, 'alreadyReplying')
}

/**
 * The calm sentence for the agent who started replying first: the others replying too, or
 * null when nobody else is replying. Arguments as in `replyWarningText`.
 */
export function alsoReplyingText(
  viewers: readonly Viewer[],
  since: Since,
  m: Messages = messagesFor('en'),
): string | null {
  return repliersText(viewers, since, m, 'alsoReplying')
}

/** "You started replying first" / "Bob started replying first". */
export function firstReplierText(
  first: Viewer,
  selfId: string | undefined,
  m: Messages = messagesFor('en'),
): string {
  return m.startedFirst(first.user.id === selfId ? null : first.user.name)
}

export class SightlineReplyWarning extends LitElement {
  static override properties = {
    viewers: { attribute: false },
    composing: { type: Boolean, reflect: true },
    locale: { type: String },
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
      .banner[data-tone='calm'] {
        background: var(--_info-bg);
        color: var(--_info-text);
        border-color: var(--_info-border);
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
  /** The language (BCP 47); default: the nearest `lang` attribute above, else English. */
  declare locale: string

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
    this.locale = ''
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
    const client = this.binding.source
    const first = client?.firstReplier?.() ?? null
    const calm = first !== null && first.user.id === client?.user?.id
    const m = messagesFor(localeOf(this))
    const sentence = calm ? alsoReplyingText : replyWarningText
    const text = sentence(this.viewers, (at) => this.time.since(at, m), m)
    if (text === null) return nothing
    const firstText = first === null ? null : firstReplierText(first, client?.user?.id, m)
    // Screen readers hear it once: it leaves out the duration the banner ticks every second
    // (a change inside a live region is spoken again). The banner is for the eyes only. The
    // warning interrupts (alert); the calm notice waits its turn (status).
    const spoken = [sentence(this.viewers, null, m), firstText].filter((t) => t !== null)
    return html`<div
        class="visually-hidden"
        role=${calm ? 'status' : 'alert'}
        data-testid="reply-warning-spoken"
      >
        ${m.sentences(spoken)}
      </div>
      <div
        class="banner"
        aria-hidden="true"
        data-testid="reply-warning"
        data-tone=${calm ? 'calm' : 'alarm'}
      >
      ${calm ? pencilIcon : warningIcon}<span class="text"
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
