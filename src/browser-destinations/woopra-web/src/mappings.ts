import type { InputField, JSONObject, JSONValue } from '@segment/actions-core'

// Mapping helpers, written here rather than imported: a value import of @segment/actions-core would put its whole
// root (validation, request client, ...) into the browser bundle, which needs none of it.

/**
 * The value at `path` as text when it is a string, number or boolean; `''` for anything else (objects, arrays, null,
 * nothing). `@replace` with a pattern replaced by itself changes no text, and unlike `@if blank` (which compares with
 * `!= ''`) it never converts an object: an object whose `toString` or `valueOf` key is not a function (legal JSON)
 * would make that comparison throw a TypeError.
 */
function scalarText(path: string) {
  return { '@replace': { pattern: '_', replacement: '_', ignorecase: false, global: true, value: { '@path': path } } }
}

/**
 * A default mapping: the value at `path` when the event has one, else the value at `fallbackPath`. `blank` rather than
 * `exists`, as in the cloud destination: `exists` holds for `''` too, which would hide the fallback. `@if blank` is
 * applied only once `scalarText` has found a string, number or boolean there; an object or array reads the fallback.
 */
export function pathOrElse(path: string, fallbackPath: string) {
  const fallback = { '@path': fallbackPath }
  return {
    '@if': {
      blank: scalarText(path),
      then: { '@if': { blank: { '@path': path }, then: { '@path': path }, else: fallback } },
      else: fallback
    }
  }
}

/**
 * A string field's value as text: numbers and booleans in their string form, anything else (an object, which the
 * browser runtime does not reject as the cloud's validation does) nothing. Never converts an object, whose own
 * `toString` key may not be a function.
 */
export function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined
}

/** The default mapping of an action's fields, as actions-core's `defaultValues` builds it for presets. */
export function defaultMapping(fields: Record<string, InputField>): JSONObject {
  const mapping: JSONObject = {}
  for (const [key, field] of Object.entries(fields)) {
    if (field.default !== undefined) mapping[key] = field.default as JSONValue
  }
  return mapping
}
