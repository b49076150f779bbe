/** A default mapping: the value at `path` when the event has one, else the value at `fallbackPath`. */
export function pathOrElse(path: string, fallbackPath: string) {
  return { '@if': { exists: { '@path': path }, then: { '@path': path }, else: { '@path': fallbackPath } } }
}
