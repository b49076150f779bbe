import fc from 'fast-check'

// Values that are legal JSON but hostile to JavaScript's own conversions: objects whose keys shadow the methods that
// `==`, `String()` and template literals call (`toString`, `valueOf`), or that code reads as a property of strings and
// arrays (`length`), or that JSON.parse makes own keys although they name the prototype (`__proto__`,
// `constructor`). Used to feed every path a default mapping reads.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** The keys under test. */
export const HOSTILE_KEYS = ['toString', 'valueOf', 'length', '__proto__', 'constructor'] as const

/** An object with exactly these own keys, including `__proto__` as an own key, the way JSON.parse builds one. */
export function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  const object: Record<string, unknown> = {}
  for (const [key, value] of entries) {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true })
  }
  return object
}

const leaf: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>('', 'x', 'https://example.com/a?b=c', 0, 1, true, false, null),
  fc.constant({}),
  fc.constant([])
)

/** An object with at least one hostile key; its values are leaves, `{}` or again hostile objects. */
export const hostileObject: fc.Arbitrary<Record<string, unknown>> = fc.letrec<{
  object: Record<string, unknown>
  value: unknown
}>((tie) => ({
  object: fc
    .tuple(
      fc.constantFrom(...HOSTILE_KEYS),
      tie('value'),
      fc.array(fc.tuple(fc.constantFrom(...HOSTILE_KEYS, 'a'), tie('value')), { maxLength: 3 })
    )
    .map(([key, value, more]) => objectOf([[key, value], ...more])),
  value: fc.oneof({ maxDepth: 3, depthIdentifier: 'hostile' }, leaf, leaf, tie('object'))
})).object

/** What goes at a mapped path: mostly a hostile object, sometimes one inside an array. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileObject, weight: 4 },
  { arbitrary: hostileObject.map((object) => [object]), weight: 1 }
)

/** Every `@path` a mapping reads (directives nest), without the leading `$.`. */
export function mappedPaths(mapping: unknown): string[] {
  const paths = new Set<string>()
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit)
    else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '@path' && typeof value === 'string') paths.add(value.replace(/^\$\./, ''))
        else visit(value)
      }
    }
  }
  visit(mapping)
  return [...paths]
}

/**
 * A copy of `event` with `value` at the dotted `path`; whatever lies on the way and is not a plain object is replaced
 * by one. Keys are set as own properties, so `__proto__` on the way is an ordinary key, as JSON.parse makes it.
 */
export function withValueAt(event: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = path.split('.')
  const current = Object.prototype.hasOwnProperty.call(event, head) ? event[head] : undefined
  const inner =
    rest.length === 0
      ? value
      : withValueAt(
          current !== null && typeof current === 'object' && !Array.isArray(current)
            ? (current as Record<string, unknown>)
            : {},
          rest.join('.'),
          value
        )
  return objectOf([...Object.entries(event).filter(([key]) => key !== head), [head, inner]])
}

/** Hostile values at a non-empty subset of the paths (each path at most once). */
export function hostileAt(paths: string[]): fc.Arbitrary<[string, unknown][]> {
  return fc.uniqueArray(fc.tuple(fc.constantFrom(...paths), hostileValue), {
    minLength: 1,
    maxLength: Math.min(paths.length, 4),
    selector: ([path]) => path
  })
}

/** The event type an action's subscription (`type = "page"`) is for. */
export function subscribedType(subscribe: string | undefined): 'track' | 'identify' | 'page' {
  const match = /type = "(track|identify|page)"/.exec(subscribe ?? '')
  if (!match) throw new Error(`no event type in subscription ${String(subscribe)}`)
  return match[1] as 'track' | 'identify' | 'page'
}
