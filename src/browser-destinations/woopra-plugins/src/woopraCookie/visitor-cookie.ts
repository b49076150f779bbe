// The visitor cookie as Woopra's tracker (w.js) writes it. w.js adopts a cookie it finds under its cookie name and
// keeps it, so a cookie written here before w.js starts makes the tracker and the cloud events one visitor.

/** The name Woopra's tracker gives its cookie unless configured otherwise. */
export const DEFAULT_COOKIE_NAME = 'wooTracker'
const DEFAULT_COOKIE_PATH = '/'
/** The tracker's new visitor identifier: 12 characters from this set. */
const ID_CHARACTERS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const ID_LENGTH = 12
/** The tracker's cookie lifetime (its `cookie_expire` default). */
const LIFETIME_DAYS = 730
/** A cross-domain link carries the visitor's identifier in this query parameter; the tracker adopts it. */
const LINKED_ID = /__woopraid=([^&#]+)/

/** The plugin's settings of the same names as Woopra Web's. */
export interface CookieSettings {
  /** The tracker's `cookie_name`; by default `wooTracker`. */
  cookieName?: string
  /** The tracker's `cookie_domain`; by default `.<page host without www.>`. */
  cookieDomain?: string
  /** The tracker's `cookie_path`; by default `/`. */
  cookiePath?: string
}

/** The value of a cookie of this page, or undefined when it is absent or empty. */
export function readCookie(name: string): string | undefined {
  for (const entry of document.cookie.split(';')) {
    const separator = entry.indexOf('=')
    if (separator < 0 || entry.slice(0, separator).trim() !== name) continue
    const raw = entry.slice(separator + 1).trim()
    let value = raw
    try {
      value = decodeURIComponent(raw)
    } catch {
      // Not percent-encoded text: the cookie is kept as it was written.
    }
    if (value !== '') return value
  }
  return undefined
}

function randomId(): string {
  const bytes = new Uint8Array(ID_LENGTH)
  if (typeof crypto !== 'undefined' && typeof crypto.getRandomValues === 'function') crypto.getRandomValues(bytes)
  else for (let i = 0; i < ID_LENGTH; i++) bytes[i] = Math.floor(Math.random() * 256)
  // 62 characters: the modulo's bias (at most 1 in 32) does not matter for an identifier that only has to be unique.
  return Array.from(bytes, (byte) => ID_CHARACTERS[byte % ID_CHARACTERS.length]).join('')
}

/** The identifier the visitor should get: the live tracker's, else a cross-domain link's, else a new one. */
function visitorId(): string {
  const tracker = (window as unknown as { woopra?: { loaded?: unknown; cookie?: unknown } }).woopra
  if (tracker?.loaded === true && typeof tracker.cookie === 'string' && tracker.cookie !== '') return tracker.cookie
  return LINKED_ID.exec(location.href)?.[1] ?? randomId()
}

/** The tracker's default cookie domain: the page host without `www.`, with a leading dot (its subdomains too). */
export function defaultCookieDomain(hostname: string): string {
  return `.${hostname.replace(/^www\./, '')}`
}

function writeCookie(name: string, value: string, path: string, domain: string | undefined): void {
  const expires = new Date(Date.now() + LIFETIME_DAYS * 24 * 60 * 60 * 1000).toUTCString()
  document.cookie =
    `${encodeURIComponent(name)}=${encodeURIComponent(value)}; expires=${expires}; path=${path}` +
    (domain ? `; domain=${domain}` : '') +
    (location.protocol === 'https:' ? '; secure' : '')
}

/**
 * The visitor's Woopra cookie: the one the browser has, or else one written now the way the tracker writes it. A cookie
 * domain the browser refuses (another site's, a public suffix) is retried as a cookie of this host alone, which w.js
 * still finds by its name. Undefined when the browser keeps no cookie at all.
 */
export function visitorCookie(settings: CookieSettings): string | undefined {
  const name = settings.cookieName?.trim() || DEFAULT_COOKIE_NAME
  const existing = readCookie(name)
  if (existing) return existing
  const id = visitorId()
  const path = settings.cookiePath?.trim() || DEFAULT_COOKIE_PATH
  writeCookie(name, id, path, settings.cookieDomain?.trim() || defaultCookieDomain(location.hostname))
  if (readCookie(name) === id) return id
  writeCookie(name, id, path, undefined)
  return readCookie(name) === id ? id : undefined
}
