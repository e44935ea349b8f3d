/**
 * "Did you mean ...?": the known name nearest to a mistyped one, by edit distance, when it is
 * near enough to be the likely intent. Used for unknown command-line flags and variables.
 */

/** The candidate nearest to `name`, or null when none is within `maxDistance` edits. */
export function nearestName(
  name: string,
  candidates: readonly string[],
  maxDistance = Math.max(2, Math.floor(name.length / 3)),
): string | null {
  let best: string | null = null
  let bestDistance = Number.POSITIVE_INFINITY
  for (const candidate of candidates) {
    const d = editDistance(name, candidate)
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return bestDistance <= maxDistance ? best : null
}

/** Levenshtein distance (short strings: names of flags and variables). */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = prev[0] as number
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = prev[j] as number
      prev[j] = Math.min(
        above + 1,
        (prev[j - 1] as number) + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
      diagonal = above
    }
  }
  return prev[b.length] as number
}
