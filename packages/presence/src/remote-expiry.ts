/**
 * Turns off y-protocols' wall-clock expiry of remote awareness states: the one place that
 * touches a private internal of a dependency.
 *
 * An `Awareness` drops every remote state not updated for `outdatedTimeout` (30 s), checked
 * every 3 s by a private interval, `_checkInterval`. The relay owns that decision (it removes
 * a tab it stopped hearing from, and re-sends every live state), and a laptop waking up would
 * otherwise mass-expire live peers. The same interval also renews this tab's own state; the
 * client renews only when asked (`renewIntervalMs`, renewal.ts).
 *
 * `remote-expiry.test.ts` fails when a y-protocols release renames or reworks the internal.
 */
import type { Awareness } from 'y-protocols/awareness'

/** Stops `awareness` from expiring remote states (and renewing its own) by wall clock. */
export function stopRemoteExpiry(awareness: Awareness): void {
  clearInterval(awareness._checkInterval)
}
