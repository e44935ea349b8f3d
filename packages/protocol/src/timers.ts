/**
 * Timers as both ends' code holds them. `setTimeout` fires at once when asked for more than a
 * signed 32-bit count of milliseconds (about 24.8 days), so a long delay (a token that expires
 * in a month, a liveness deadline far away) is capped at `MAX_TIMEOUT` and re-armed.
 */

/** What `setTimeout` returns: a number in browsers, a `Timeout` object in Node. */
export type Timer = ReturnType<typeof setTimeout>

/** `setTimeout`'s largest delay (ms); a longer one fires at once. */
export const MAX_TIMEOUT = 2 ** 31 - 1
