/**
 * Theme of every Sightline element: public `--sightline-*` custom properties with light
 * defaults, dark defaults under `theme="dark"` or `prefers-color-scheme: dark` (unless the host
 * says `theme="light"`).
 *
 * Each public property is read once into a private `--_*` property on `:host`, with the
 * built-in value as its fallback. So a page may set `--sightline-*` on the element itself or
 * on any ancestor (custom properties inherit through the shadow boundary), and the element's
 * own rules never fight the page's.
 */
import { css } from 'lit'

const light = css`
  --_font-family: var(--sightline-font-family, inherit);
  --_font-size: var(--sightline-font-size, 0.875rem);
  --_text: var(--sightline-text, #1f2328);
  --_muted: var(--sightline-muted-text, #57606a);
  --_surface: var(--sightline-surface, #ffffff);
  --_border: var(--sightline-border, #d0d7de);
  --_radius: var(--sightline-radius, 6px);
  --_focus: var(--sightline-focus, #0969da);
  --_avatar-size: var(--sightline-avatar-size, 28px);
  --_avatar-text: var(--sightline-avatar-text, #ffffff);
  --_avatar-saturation: var(--sightline-avatar-saturation, 45%);
  /* 30 %: white initials keep >= 4.5:1 on every hue (40 % gave 3.7:1 on greens). */
  --_avatar-lightness: var(--sightline-avatar-lightness, 30%);
  --_viewing: var(--sightline-viewing, #d4a72c);
  --_replying: var(--sightline-replying, #cf222e);
  --_ring-width: var(--sightline-ring-width, 2px);
  --_away-opacity: var(--sightline-away-opacity, 0.45);
  --_tooltip-bg: var(--sightline-tooltip-bg, #24292f);
  --_tooltip-text: var(--sightline-tooltip-text, #f6f8fa);
  --_warning-bg: var(--sightline-warning-bg, #ffebe9);
  --_warning-text: var(--sightline-warning-text, #82071e);
  --_warning-border: var(--sightline-warning-border, #ff8182);
  --_notice-bg: var(--sightline-notice-bg, #fff8c5);
  --_notice-text: var(--sightline-notice-text, #4d2d00);
  --_notice-border: var(--sightline-notice-border, #d4a72c);
  color-scheme: light;
`

const dark = css`
  --_text: var(--sightline-text, #e6edf3);
  --_muted: var(--sightline-muted-text, #9da7b3);
  --_surface: var(--sightline-surface, #161b22);
  --_border: var(--sightline-border, #30363d);
  --_focus: var(--sightline-focus, #4493f8);
  --_avatar-lightness: var(--sightline-avatar-lightness, 32%);
  --_viewing: var(--sightline-viewing, #e3b341);
  --_replying: var(--sightline-replying, #f85149);
  --_tooltip-bg: var(--sightline-tooltip-bg, #e6edf3);
  --_tooltip-text: var(--sightline-tooltip-text, #1f2328);
  --_warning-bg: var(--sightline-warning-bg, #3c1618);
  --_warning-text: var(--sightline-warning-text, #ffdcd7);
  --_warning-border: var(--sightline-warning-border, #f85149);
  --_notice-bg: var(--sightline-notice-bg, #3b2e0a);
  --_notice-text: var(--sightline-notice-text, #f8e3a1);
  --_notice-border: var(--sightline-notice-border, #bb8009);
  color-scheme: dark;
`

/** Custom properties, light and dark, plus the base font and colour of the host. */
export const themeStyles = css`
  :host {
    ${light}
    font-family: var(--_font-family);
    font-size: var(--_font-size);
    color: var(--_text);
  }
  :host([theme='dark']) {
    ${dark}
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      ${dark}
    }
  }
  :host([hidden]) {
    display: none;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
`
