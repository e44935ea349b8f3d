/**
 * The awareness state of one agent tab, as it travels on the wire (JSON):
 *
 *   { "user": { "id", "name", "avatar"? }, "activity": "viewing" | "replying",
 *     "away": boolean, "since": <ms epoch when the current activity began> }
 *
 * Peers may add fields; readers ignore what they do not know. The relay forwards a state as
 * it parsed and validated it, written out again: each key once, never a `__proto__` key.
 */
export const Activity = Object.freeze({
  Viewing: 'viewing',
  Replying: 'replying',
} as const)

export type Activity = (typeof Activity)[keyof typeof Activity]

/** Strength of an activity when folding several tabs of one agent: the higher wins. */
export const ActivityRank: Readonly<Record<Activity, number>> = Object.freeze({
  [Activity.Viewing]: 1,
  [Activity.Replying]: 2,
})

export interface PresenceUser {
  /** Stable agent id: the token's `sub`. */
  readonly id: string
  /** Display name: the token's `name`. */
  readonly name: string
  /** Avatar URL: the token's `avatar`, if any. */
  readonly avatar?: string | undefined
}

export interface PresenceState {
  readonly user: PresenceUser
  readonly activity: Activity
  readonly away: boolean
  /** Milliseconds since the epoch at which the tab entered its current activity. */
  readonly since: number
}

/**
 * Limits applied when reading a state (and a token's claims); generous for humans, tight for
 * attackers. In characters; a state at every limit (id and name of 4-byte characters, an
 * ASCII avatar URL) weighs under 2 KiB of JSON, the relay's default state size limit.
 */
export const PresenceLimits = Object.freeze({
  idLength: 128,
  nameLength: 200,
  avatarLength: 512,
} as const)

function isString(v: unknown, max: number): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= max
}

/**
 * Checks that `value` (a parsed JSON awareness state) is a valid presence state and returns a
 * clean copy holding only known fields, or `null` when it is not one.
 */
export function readPresenceState(value: unknown): PresenceState | null {
  if (typeof value !== 'object' || value === null) return null
  const v = value as Record<string, unknown>
  const user = v['user']
  if (typeof user !== 'object' || user === null) return null
  const u = user as Record<string, unknown>
  if (!isString(u['id'], PresenceLimits.idLength)) return null
  if (!isString(u['name'], PresenceLimits.nameLength)) return null
  const avatar = u['avatar']
  if (avatar !== undefined && !isString(avatar, PresenceLimits.avatarLength)) return null
  const activity = v['activity']
  if (activity !== Activity.Viewing && activity !== Activity.Replying) return null
  if (typeof v['away'] !== 'boolean') return null
  const since = v['since']
  if (typeof since !== 'number' || !Number.isFinite(since) || since < 0) return null
  return {
    user:
      avatar === undefined
        ? { id: u['id'], name: u['name'] }
        : { id: u['id'], name: u['name'], avatar },
    activity,
    away: v['away'],
    since,
  }
}
