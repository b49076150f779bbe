// The known name nearest to a mistyped one, for both commands' messages: `npm start` names the variable an unknown
// WOOPRA_* one was probably meant to be, `npm run replay` the flag, setting or action.

/** Edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) rows[0][j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1)
      }
    }
  }
  return rows[a.length][b.length]
}

/** The known name with the fewest edits from `typed`, letter case aside (the first of equals), however far. */
export function nearestName(typed: string, known: readonly [string, ...string[]]): string {
  return closest(typed, known)?.name ?? known[0]
}

function closest(typed: string, known: readonly string[]): { name: string; distance: number } | undefined {
  const lower = typed.toLowerCase()
  let best: { name: string; distance: number } | undefined
  for (const name of known) {
    const distance = editDistance(lower, name.toLowerCase())
    if (!best || distance < best.distance) best = { name, distance }
  }
  return best
}

/**
 * The known name closest to a mistyped one, when it is close enough to be what was meant (a third of its letters
 * wrong at most, or one is the start of the other); else undefined.
 */
export function nearest(typed: string, known: readonly string[]): string | undefined {
  const lower = typed.toLowerCase()
  const best = closest(typed, known)
  if (!best) return undefined
  const prefix = known.find((name) => lower.length >= 3 && name.toLowerCase().startsWith(lower))
  if (best.distance <= Math.max(1, Math.floor(Math.max(lower.length, best.name.length) / 3))) return best.name
  return prefix
}

/** ` Did you mean "x"?` or nothing. */
export function didYouMean(typed: string, known: readonly string[], quote = (name: string) => `"${name}"`): string {
  const name = nearest(typed, known)
  return name === undefined ? '' : ` Did you mean ${quote(name)}?`
}
