/**
 * Registers every Sightline element. Safe to call more than once and safe when another copy
 * of the widget (say, the IIFE bundle and a bundler build on one page) registered them first:
 * a name already taken is left alone instead of throwing.
 */
import { SightlineListBadge } from './list-badge-element.js'
import { SightlineRepliedNotice } from './replied-notice-element.js'
import { SightlineReplyWarning } from './reply-warning-element.js'
import { SightlineViewers } from './viewers-element.js'

/** Tag names, by class. */
export const ELEMENTS = Object.freeze({
  'sightline-viewers': SightlineViewers,
  'sightline-reply-warning': SightlineReplyWarning,
  'sightline-replied-notice': SightlineRepliedNotice,
  'sightline-list-badge': SightlineListBadge,
} as const)

export type SightlineTagName = keyof typeof ELEMENTS

/** Defines each element unless its name is already defined in `registry`. */
export function defineSightlineElements(registry: CustomElementRegistry = customElements): void {
  for (const [name, ctor] of Object.entries(ELEMENTS)) {
    if (registry.get(name) === undefined) registry.define(name, ctor)
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sightline-viewers': SightlineViewers
    'sightline-reply-warning': SightlineReplyWarning
    'sightline-replied-notice': SightlineRepliedNotice
    'sightline-list-badge': SightlineListBadge
  }
}
