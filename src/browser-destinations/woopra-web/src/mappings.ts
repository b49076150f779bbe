import type { InputField, JSONObject, JSONValue } from '@segment/actions-core'

// Mapping helpers, written here rather than imported: a value import of @segment/actions-core would put its whole
// root (validation, request client, ...) into the browser bundle, which needs none of it.

/**
 * A default mapping: the value at `path` when the event has one, else the value at `fallbackPath`. `blank` rather than
 * `exists`, as in the cloud destination: `exists` holds for `''` too, which would hide the fallback.
 */
export function pathOrElse(path: string, fallbackPath: string) {
  return { '@if': { blank: { '@path': path }, then: { '@path': path }, else: { '@path': fallbackPath } } }
}

/** The default mapping of an action's fields, as actions-core's `defaultValues` builds it for presets. */
export function defaultMapping(fields: Record<string, InputField>): JSONObject {
  const mapping: JSONObject = {}
  for (const [key, field] of Object.entries(fields)) {
    if (field.default !== undefined) mapping[key] = field.default as JSONValue
  }
  return mapping
}
