/** Small inline SVG glyphs. Decorative (aria-hidden) and text-free, so they add nothing to textContent. */
import { html, type TemplateResult } from 'lit'

/** A pencil: "replying". */
export const pencilIcon: TemplateResult = html`<svg
  class="icon"
  viewBox="0 0 24 24"
  aria-hidden="true"
  focusable="false"
>
  <path d="M4 20l1.2-4.6L15.6 5l3.4 3.4L8.6 18.8z" fill="currentColor" />
  <path d="M16.8 3.8l1.3-1.3 3.4 3.4-1.3 1.3z" fill="currentColor" />
</svg>`

/** A warning triangle with an exclamation mark. */
export const warningIcon: TemplateResult = html`<svg
  class="icon"
  viewBox="0 0 24 24"
  aria-hidden="true"
  focusable="false"
>
  <path d="M12 2.5L1.5 21h21z" fill="currentColor" />
  <path d="M11 9h2v6h-2zM11 16.5h2v2h-2z" fill="var(--_surface)" />
</svg>`

/** A speech bubble with a tick: "a reply was sent". */
export const repliedIcon: TemplateResult = html`<svg
  class="icon"
  viewBox="0 0 24 24"
  aria-hidden="true"
  focusable="false"
>
  <path d="M3 4h18v13H8l-5 4z" fill="currentColor" />
  <path d="M7.5 10.5l1.4-1.4 2.1 2.1 4.6-4.6 1.4 1.4-6 6z" fill="var(--_surface)" />
</svg>`

/** A corner triangle, as helpdesk lists use for "someone is on this conversation". */
export const cornerIcon: TemplateResult = html`<svg
  class="corner"
  viewBox="0 0 12 12"
  aria-hidden="true"
  focusable="false"
>
  <path d="M0 0h12L0 12z" fill="currentColor" />
</svg>`

/** A cross: "dismiss". */
export const closeIcon: TemplateResult = html`<svg
  class="icon"
  viewBox="0 0 24 24"
  aria-hidden="true"
  focusable="false"
>
  <path
    d="M6.4 5L12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4z"
    fill="currentColor"
  />
</svg>`
