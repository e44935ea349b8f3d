/**
 * An agent's avatar: their image when they have one and it loads, otherwise their initials on
 * a colour derived from their id (stable across tabs and sessions, so people learn it).
 */

import type { PresenceUser } from '@sightline/protocol'
import { css, html, type ReactiveControllerHost, type TemplateResult } from 'lit'
import { styleMap } from 'lit/directives/style-map.js'

/** Up to two letters: first and last word ("Bob Smith" -> "BS"), or "?" for a blank name. */
export function initials(name: string): string {
  const words = name
    .trim()
    .split(/\s+/)
    .filter((w) => w.length > 0)
  const first = words[0]
  if (first === undefined) return '?'
  const last = words.length > 1 ? words[words.length - 1] : undefined
  const letter = (w: string) => String.fromCodePoint(w.codePointAt(0) ?? 63).toUpperCase()
  return last === undefined ? letter(first) : letter(first) + letter(last)
}

/**
 * A hue in [0, 360) from the id: FNV-1a, spread by the golden angle so that neighbouring ids
 * ("1", "2", "3") still get clearly different colours.
 */
export function avatarHue(id: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193)
  return Math.floor(((h >>> 0) * 137.508) % 360)
}

/**
 * Remembers avatar URLs that failed to load, so the host falls back to initials and does not
 * retry a broken image on every render.
 */
export class AvatarFailures {
  private readonly failed = new Set<string>()
  private readonly host: ReactiveControllerHost

  constructor(host: ReactiveControllerHost) {
    this.host = host
  }

  has(src: string): boolean {
    return this.failed.has(src)
  }

  add(src: string): void {
    if (this.failed.has(src)) return
    this.failed.add(src)
    this.host.requestUpdate()
  }
}

/** The avatar circle (decorative: the caller labels it). */
export function renderAvatar(user: PresenceUser, failures: AvatarFailures): TemplateResult {
  const src = user.avatar
  const showImage = src !== undefined && !failures.has(src)
  return html`<span
    class="avatar"
    aria-hidden="true"
    style=${styleMap({ '--_hue': String(avatarHue(user.id)) })}
    >${
      showImage
        ? html`<img
            class="avatar-img"
            data-testid="avatar-img"
            src=${src}
            alt=""
            loading="lazy"
            referrerpolicy="no-referrer"
            @error=${() => failures.add(src)}
          />`
        : html`<span class="initials" data-testid="avatar-initials">${initials(user.name)}</span>`
    }</span
  >`
}

/** Styles for `renderAvatar`; size comes from `--_avatar-size`. */
export const avatarStyles = css`
  .avatar {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    box-sizing: border-box;
    width: var(--_avatar-size);
    height: var(--_avatar-size);
    border-radius: 50%;
    overflow: hidden;
    flex: none;
    background: var(
      --sightline-avatar-bg,
      hsl(var(--_hue, 210) var(--_avatar-saturation) var(--_avatar-lightness))
    );
    color: var(--_avatar-text);
    font-size: calc(var(--_avatar-size) * 0.4);
    font-weight: 600;
    line-height: 1;
    user-select: none;
  }
  .avatar-img {
    width: 100%;
    height: 100%;
    object-fit: cover;
    display: block;
  }
  /* An away agent (data-away on an ancestor): the colour faded into the surface and the
     initials in the text colour. Opacity would fade the initials too, below 4.5:1. */
  [data-away='true'] .avatar {
    background: color-mix(
      in srgb,
      hsl(var(--_hue, 210) var(--_avatar-saturation) var(--_avatar-lightness))
        calc(var(--_away-opacity) * 100%),
      var(--_surface)
    );
    color: var(--_text);
  }
  [data-away='true'] .avatar-img {
    opacity: var(--_away-opacity);
  }
`
