/**
 * A duration in its largest whole unit, the part every language shares; the words come from
 * the catalogues (`locales/*.ts`), most of them through `Intl.NumberFormat`'s units.
 */
const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** `ms` in its largest whole unit: the unit and the count. Negative or invalid: 0 seconds. */
export function durationParts(ms: number): {
  unit: 'second' | 'minute' | 'hour' | 'day'
  n: number
} {
  const d = Number.isFinite(ms) && ms > 0 ? ms : 0
  if (d < MINUTE) return { unit: 'second', n: Math.floor(d / SECOND) }
  if (d < HOUR) return { unit: 'minute', n: Math.floor(d / MINUTE) }
  if (d < DAY) return { unit: 'hour', n: Math.floor(d / HOUR) }
  return { unit: 'day', n: Math.floor(d / DAY) }
}

/** A duration through `Intl.NumberFormat`'s units ("20秒", "3分钟" in Chinese). */
export function intlDuration(locale: string, ms: number): string {
  const { unit, n } = durationParts(ms)
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short' }).format(n)
}
