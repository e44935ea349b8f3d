/**
 * Sightline widget: framework-free custom elements for presence UI. Importing this module
 * registers them (`<sightline-viewers>`, `<sightline-reply-warning>`,
 * `<sightline-replied-notice>`, `<sightline-list-badge>`).
 */
import { defineSightlineElements } from './define.js'

export { describeChanges } from './announcements.js'
export { avatarHue, initials } from './avatar.js'
export { defineSightlineElements, ELEMENTS, type SightlineTagName } from './define.js'
export {
  LIST_BADGE_AVATARS,
  type ListBadgeState,
  listBadgeState,
  SightlineListBadge,
} from './list-badge-element.js'
export { LiveBinding } from './live-binding.js'
export {
  formatList,
  localeOf,
  type Messages,
  messagesFor,
  registerMessages,
} from './messages.js'
export { formatDuration } from './relative-time.js'
export {
  DISMISS_EVENT,
  latestReplies,
  type RepliesSource,
  type Reply,
  SightlineRepliedNotice,
} from './replied-notice-element.js'
export {
  alsoReplyingText,
  firstReplierText,
  type ReplyWarningSource,
  replyWarningText,
  SightlineReplyWarning,
} from './reply-warning-element.js'
export { viewerDetail, viewerLine } from './viewer-text.js'
export type { ViewersSource } from './viewers-binding.js'
export { DEFAULT_MAX_VIEWERS, DEFAULT_VIEWERS_LABEL, SightlineViewers } from './viewers-element.js'

// Server-side imports (no DOM) get the exports without registering anything.
if (typeof customElements !== 'undefined') defineSightlineElements()
