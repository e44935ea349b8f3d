/**
 * Honest agents from Node: Sightline presence clients (`createPresence` over `ws`), each with a
 * token of its own (a subject of its own, granted mailbox 1's conversations), as busy agents'
 * tabs would be. A room of them changes state once a second per agent; one of them watches
 * another agent for the test. (A pair in a quiet room that measures how fresh changes stay
 * runs in a process of its own: freshness.ts.)
 */
import type { Activity, Viewer } from '@sightline/protocol'
import type { PresenceClient } from '../../packages/presence/src/index.js'
import { joinAgent } from './node-agent.js'

export interface AgentState {
  readonly activity: Activity
  readonly away: boolean
}

export interface HonestRoom {
  /** Every agent's client, in order; the first is also the room's observer. */
  readonly agents: readonly PresenceClient[]
  readonly observer: PresenceClient
  /** Subjects (user ids) of the agents, in order. */
  readonly subjects: readonly string[]
  /** State changes made so far (all agents). */
  changes(): number
  /** Each agent changes its activity every `periodMs` (starts staggered over one period). */
  start(periodMs?: number): void
  /** Stops the changes. */
  stop(): void
  /** Stops the changes and puts agent `i` in `final(i)`. */
  settle(final: (index: number) => AgentState): void
  close(): void
}

/**
 * `count` agents `<prefix>-00`, `<prefix>-01`, ... in `room`. Each tick flips the agent's
 * activity (viewing <-> replying), so every agent sends one ~120-byte state per period.
 */
export function startHonestRoom(
  relayUrl: string,
  room: string,
  prefix: string,
  count: number,
): HonestRoom {
  const subjects = Array.from(
    { length: count },
    (_, i) => `${prefix}-${String(i).padStart(2, '0')}`,
  )
  const agents = subjects.map((sub) => joinAgent(relayUrl, room, sub))
  const timers: ReturnType<typeof setTimeout>[] = []
  let changes = 0
  const stop = () => {
    for (const t of timers.splice(0)) clearTimeout(t)
  }
  return {
    agents,
    observer: agents[0]!,
    subjects,
    changes: () => changes,
    start(periodMs = 1_000) {
      stop()
      agents.forEach((agent, i) => {
        const first = setTimeout(
          () => {
            const tick = () => {
              agent.setActivity(agent.activity === 'viewing' ? 'replying' : 'viewing')
              changes++
            }
            tick()
            timers.push(setInterval(tick, periodMs))
          },
          Math.round((periodMs * i) / count),
        )
        timers.push(first)
      })
    },
    stop,
    settle(final) {
      stop()
      agents.forEach((agent, i) => {
        const { activity, away } = final(i)
        agent.setActivity(activity)
        agent.setAway(away)
      })
    },
    close() {
      stop()
      for (const agent of agents) agent.destroy()
    },
  }
}

/** `id:activity:away` for each of `viewers`, sorted: compact to compare. */
export function describeViewers(viewers: readonly Viewer[]): string[] {
  return viewers.map((v) => `${v.user.id}:${v.activity}:${v.away ? 'away' : 'here'}`).sort()
}

export interface PresenceWatch {
  /** One sample: whether `userId` is among the observer's others right now. */
  sample(): boolean
  /** Every sample taken (`at`: ms since the watch began). */
  readonly samples: { readonly at: number; readonly shown: boolean }[]
  /** Every change of the observer's list that left `userId` out (ms since the watch began). */
  readonly removals: number[]
  stop(): void
}

/** Watches, from `observer`, whether `userId` is shown: sampled on demand, removals as events. */
export function watchAgent(observer: PresenceClient, userId: string): PresenceWatch {
  const start = performance.now()
  const shown = () => observer.others.some((v) => v.user.id === userId)
  const samples: PresenceWatch['samples'] = []
  const removals: number[] = []
  let was = shown()
  const unsubscribe = observer.subscribe((others) => {
    const now = others.some((v) => v.user.id === userId)
    if (was && !now) removals.push(Math.round(performance.now() - start))
    was = now
  })
  return {
    samples,
    removals,
    sample() {
      const value = shown()
      samples.push({ at: Math.round(performance.now() - start), shown: value })
      return value
    },
    stop: unsubscribe,
  }
}

/** The `p`-th percentile (0-100) of `values` (nearest rank); NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}
