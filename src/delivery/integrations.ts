/**
 * Whether an event's `integrations` object lets it reach a destination known by `names`, as Segment decides: a name
 * set to `false` (or 0) turns it off; `All: false` turns off every destination not named with a truthy value. Key casing
 * matters (`woopra` is not `Woopra`), as in Segment.
 */
export function integrationEnabled(event: unknown, names: readonly string[] = ['Woopra', 'Woopra (Actions)']): boolean {
  const integrations = (event as { integrations?: unknown } | null | undefined)?.integrations
  if (typeof integrations !== 'object' || integrations === null) return true
  const flags = integrations as Record<string, unknown>
  if (names.some((name) => flags[name] === false || flags[name] === 0)) return false
  if (flags.All === false) return names.some((name) => Boolean(flags[name]))
  return true
}
