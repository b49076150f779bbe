// Reading one cookie from an HTTP request's Cookie header, for the Node helper. Node only: nothing here imports
// the destination folders or actions-core.

/** The name Woopra's tracker gives its cookie unless configured otherwise (its `cookie_name` option). */
export const DEFAULT_COOKIE_NAME = 'wooTracker'

/** Browsers keep no cookie longer than this (name and value together): anything longer was not written by one. */
const MAX_COOKIE_LENGTH = 4096

/**
 * A request whose headers can be read: Node's `IncomingMessage` (an Express request, Fastify's `request.raw`, Koa's
 * `ctx.req`) or anything else with a `headers` object (Fastify's `request`, Koa's `ctx.request`).
 */
export interface RequestWithHeaders {
  headers: { cookie?: string | string[] | undefined } | Record<string, unknown>
}

/** The text of the request's Cookie header(s): Node joins repeated Cookie headers with `; `, a list is joined here. */
function cookieHeaderOf(request: RequestWithHeaders | null | undefined): string {
  const header = (request?.headers as Record<string, unknown> | undefined)?.cookie
  if (typeof header === 'string') return header
  if (Array.isArray(header)) return header.filter((part) => typeof part === 'string').join('; ')
  return ''
}

/** A cookie value as a browser sent it: without the optional double quotes, percent-decoded when that is valid. */
function cookieValue(raw: string): string {
  let value = raw.trim()
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1).trim()
  try {
    return decodeURIComponent(value)
  } catch {
    // Not percent-encoded text: the cookie is taken as written, as the browser plugin does.
    return value
  }
}

/**
 * The value of cookie `name` in a Cookie header, or undefined when it is absent, empty or only whitespace. With several cookies of that
 * name (set for different paths or domains), the first non-empty one wins: browsers send the most specific first, and
 * the browser plugin reads `document.cookie` the same way. One pass over the header, no regular expression: a huge
 * header costs time in proportion to its length.
 */
export function parseCookie(header: string, name: string): string | undefined {
  let start = 0
  while (start < header.length) {
    let end = header.indexOf(';', start)
    if (end < 0) end = header.length
    if (end - start <= MAX_COOKIE_LENGTH) {
      const separator = header.indexOf('=', start)
      if (separator >= 0 && separator < end && header.slice(start, separator).trim() === name) {
        const value = cookieValue(header.slice(separator + 1, end))
        if (value.trim() !== '') return value
      }
    }
    start = end + 1
  }
  return undefined
}

/** The Woopra cookie the request carries (cookie `name`, `wooTracker` by default), or undefined. */
export function readWoopraCookie(
  request: RequestWithHeaders | null | undefined,
  name: string = DEFAULT_COOKIE_NAME
): string | undefined {
  return parseCookie(cookieHeaderOf(request), name.trim() || DEFAULT_COOKIE_NAME)
}
