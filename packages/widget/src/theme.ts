/**
 * Theme of every Sightline element: public `--sightline-*` custom properties whose defaults
 * fit the page the element sits in.
 *
 * - Text takes the page's colour (`currentColor`): a light header, a navy one, a dark app.
 *   Muted text is that colour, fainter.
 * - Colours with a light and a dark value (`light-dark()`) follow the `color-scheme` the
 *   element inherits from the page, not the OS: a page that says nothing is light, one that
 *   declares `color-scheme: dark` is dark, and only a page that declares `light dark` (or an
 *   element with `theme="auto"`) follows the OS. `theme="dark"` / `theme="light"` force one,
 *   and with it the scheme's own text colour.
 *
 * Each public property is read once into a private `--_*` property on `:host`, with the
 * built-in value as its fallback. So a page may set `--sightline-*` on the element itself or
 * on any ancestor (custom properties inherit through the shadow boundary), and the element's
 * own rules never fight the page's.
 */
import { css } from 'lit'

const palette = css`
  --_font-family: var(--sightline-font-family, inherit);
  --_font-size: var(--sightline-font-size, 0.875rem);
  --_text: var(--sightline-text, currentColor);
  --_muted: var(--sightline-muted-text, color-mix(in srgb, currentColor 78%, transparent));
  --_surface: var(--sightline-surface, light-dark(#ffffff, #161b22));
  --_border: var(--sightline-border, light-dark(#d0d7de, #30363d));
  --_radius: var(--sightline-radius, 6px);
  --_focus: var(--sightline-focus, light-dark(#0969da, #4493f8));
  --_avatar-size: var(--sightline-avatar-size, 28px);
  --_avatar-text: var(--sightline-avatar-text, #ffffff);
  --_avatar-saturation: var(--sightline-avatar-saturation, 45%);
  /* 30 %: white initials keep >= 4.5:1 on every hue (40 % gave 3.7:1 on greens). */
  --_avatar-lightness: var(--sightline-avatar-lightness, 30%);
  --_viewing: var(--sightline-viewing, light-dark(#d4a72c, #e3b341));
  --_replying: var(--sightline-replying, light-dark(#cf222e, #f85149));
  --_ring-width: var(--sightline-ring-width, 2px);
  --_away-opacity: var(--sightline-away-opacity, 0.45);
  --_tooltip-bg: var(--sightline-tooltip-bg, light-dark(#24292f, #e6edf3));
  --_tooltip-text: var(--sightline-tooltip-text, light-dark(#f6f8fa, #1f2328));
  --_warning-bg: var(--sightline-warning-bg, light-dark(#ffebe9, #3c1618));
  --_warning-text: var(--sightline-warning-text, light-dark(#82071e, #ffdcd7));
  --_warning-border: var(--sightline-warning-border, light-dark(#ff8182, #f85149));
  --_notice-bg: var(--sightline-notice-bg, light-dark(#fff8c5, #3b2e0a));
  --_notice-text: var(--sightline-notice-text, light-dark(#4d2d00, #f8e3a1));
  --_notice-border: var(--sightline-notice-border, light-dark(#d4a72c, #bb8009));
  --_info-bg: var(--sightline-info-bg, light-dark(#ddf4ff, #0c2d6b));
  --_info-text: var(--sightline-info-text, light-dark(#0a3069, #cae8ff));
  --_info-border: var(--sightline-info-border, light-dark(#54aeff, #1f6feb));
`

/** Custom properties, the scheme overrides, and the base font and colour of the host. */
export const themeStyles = css`
  :host {
    ${palette}
    font-family: var(--_font-family);
    font-size: var(--_font-size);
    color: var(--_text);
  }
  :host([theme='light']) {
    color-scheme: light;
    --_text: var(--sightline-text, #1f2328);
  }
  :host([theme='dark']) {
    color-scheme: dark;
    --_text: var(--sightline-text, #e6edf3);
  }
  :host([theme='auto']) {
    color-scheme: light dark;
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
