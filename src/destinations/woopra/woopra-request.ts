import {
  getErrorCodeFromHttpStatus,
  IntegrationError,
  InvalidAuthenticationError,
  PayloadValidationError,
  RetryableError
} from '@segment/actions-core'
import type { RequestClient, RequestOptions } from '@segment/actions-core'
import type { Settings } from './generated-types'

// The one place that knows Woopra's HTTP Tracking API: endpoint, parameters, value encoding, method and headers.

const WOOPRA_TRACK_URL = 'https://www.woopra.com/track/'
/** The visit timeout sent when the event has none, or one that is not a whole number of ms from 1 to 24 hours. */
const DEFAULT_VISIT_TIMEOUT_MS = 60000
const MAX_VISIT_TIMEOUT_MS = 24 * 60 * 60 * 1000
/** Longer URLs are sent as POST with a JSON body, as Woopra's own mobile SDKs do, so that nothing is cut. */
const MAX_GET_URL_BYTES = 8000

export type WoopraEndpoint = 'ce' | 'identify'

/** The fields every action shares (see fields.ts), as they arrive in a payload. */
export interface CommonPayload {
  cookie?: string
  anonymous_id?: string
  user_id?: string
  email?: string
  timestamp?: string | number
  /** JSON text (the default mapping encodes `context.Woopra.timeout`) or plain text, such as a mapped literal. */
  timeout?: string | number
  ip?: string
  user_agent?: string
  referrer?: string
  language?: string
  visit_properties?: { [k: string]: unknown }
}

/** What an action adds to the common payload. */
export interface WoopraCall {
  endpoint: WoopraEndpoint
  event?: string
  /** Parameters the action computed itself, such as `cv_name` or `ce_url`; they win over property keys. */
  parameters?: Record<string, unknown>
  /** Visitor (profile) properties, sent as `cv_<key>`. */
  visitorProperties?: Record<string, unknown>
  /** Event properties, sent as `ce_<key>`. */
  eventProperties?: Record<string, unknown>
}

export interface WoopraRequest {
  method: 'GET' | 'POST'
  url: string
  headers: Record<string, string>
  /** Only for POST: the same parameters as a flat JSON object of strings. */
  json?: Record<string, string>
}

const PROJECT_HINT =
  'Enter your Woopra project name: the domain registered in Woopra, such as example.com, without "https://", a path, a query or spaces.'

/** The reason a project setting cannot be a Woopra project name, or undefined when it can. */
export function projectProblem(project: string | undefined): string | undefined {
  if (!project || project.trim() === '') return `The Woopra project is empty. ${PROJECT_HINT}`
  if (/\s/.test(project)) return `The Woopra project "${project}" contains whitespace. ${PROJECT_HINT}`
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(project)) return `The Woopra project "${project}" has a scheme. ${PROJECT_HINT}`
  if (/[/?#]/.test(project)) return `The Woopra project "${project}" has a path or a query. ${PROJECT_HINT}`
  return undefined
}

// A full ISO-8601 date-time: a calendar date, a time of day, and an optional zone (UTC when absent).
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i

/** Epoch milliseconds of a full ISO-8601 date-time string, or undefined when the string is not one. */
function isoDateTimeToEpochMs(value: string): number | undefined {
  const match = ISO_DATE_TIME.exec(value)
  if (!match) return undefined
  const [, year, month, day, hour, minute, second = '0', fraction = '', zone = 'Z'] = match
  const date = new Date(0)
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day))
  date.setUTCHours(Number(hour), Number(minute), Number(second), Number(fraction.padEnd(3, '0').slice(0, 3)))
  // Reject impossible dates and times (2015-02-30, 25:00) rather than let Date roll them over.
  if (
    date.getUTCFullYear() !== Number(year) ||
    date.getUTCMonth() !== Number(month) - 1 ||
    date.getUTCDate() !== Number(day) ||
    date.getUTCHours() !== Number(hour) ||
    date.getUTCMinutes() !== Number(minute) ||
    date.getUTCSeconds() !== Number(second)
  ) {
    return undefined
  }
  const offsetMs = zoneOffsetMs(zone)
  return offsetMs === undefined ? undefined : date.getTime() - offsetMs
}

/** The offset of a zone designator from UTC, or undefined when it is out of range (+25:00, +01:75). */
function zoneOffsetMs(zone: string): number | undefined {
  if (zone.toUpperCase() === 'Z') return 0
  const sign = zone[0] === '-' ? -1 : 1
  const digits = zone.slice(1).replace(':', '')
  const hours = Number(digits.slice(0, 2))
  const minutes = Number(digits.slice(2) || '0')
  if (hours > 23 || minutes > 59) return undefined
  return sign * (hours * 60 + minutes) * 60000
}

/**
 * A property value as Woopra receives it, or undefined when it is left out: empty values are dropped, numbers and
 * booleans become their string form, ISO date-times become epoch milliseconds, objects and arrays become JSON.
 */
function encodeValue(value: unknown, name = 'a property'): string | undefined {
  switch (typeof value) {
    case 'string': {
      if (value === '') return undefined
      const epochMs = isoDateTimeToEpochMs(value)
      return epochMs === undefined ? value : String(epochMs)
    }
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined
    case 'boolean':
      return String(value)
    case 'object':
      if (value === null) return undefined
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : String(value.getTime())
      return json(value, name)
    default:
      return undefined
  }
}

/** An identifier is a string with something besides whitespace, sent as given; anything else is absent. */
function identifier(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined
}

/** A nested value as JSON; a value nested too deeply for JSON.stringify (about 5,000 levels) cannot be sent. */
function json(value: object, name: string): string {
  try {
    return JSON.stringify(value)
  } catch {
    // The RangeError (call stack exceeded) is not a framework error: Segment would retry it for ever.
    throw new PayloadValidationError(
      `The value of ${name} is nested too deeply to be sent to Woopra as JSON. Flatten it or leave it out.`
    )
  }
}

/**
 * The visit timeout to send: a whole number of milliseconds from 1 to 24 hours, given as a number or as digits.
 * Anything else (zero, negative, fractional, larger, text, an object) is replaced by the default rather than cost
 * the event. The value may come as JSON text or as plain text: both read the same.
 */
function visitTimeoutMs(value: string | number | undefined): number {
  let parsed: unknown = value
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value)
    } catch {
      parsed = value
    }
  }
  const ms =
    typeof parsed === 'number'
      ? parsed
      : typeof parsed === 'string' && /^\s*\d+\s*$/.test(parsed)
      ? Number(parsed)
      : NaN
  return Number.isInteger(ms) && ms >= 1 && ms <= MAX_VISIT_TIMEOUT_MS ? ms : DEFAULT_VISIT_TIMEOUT_MS
}

/** Epoch milliseconds of the event time, never later than now and never before 1970. */
function eventTimeMs(timestamp: string | number, now: number): number {
  // Epoch milliseconds may come as a number or as digits; any other text is a date the framework accepted.
  const ms =
    typeof timestamp === 'number' || /^\d+$/.test(timestamp)
      ? Number(timestamp)
      : isoDateTimeToEpochMs(timestamp) ?? Date.parse(timestamp)
  if (!Number.isFinite(ms)) {
    throw new PayloadValidationError(`The timestamp "${timestamp}" is not a date and time Woopra can record.`)
  }
  // Woopra's timestamps count milliseconds since 1970; an earlier time is a broken clock or a wrong mapping, and no
  // time Woopra could record would be true. (A future time is a clock ahead: the current time is close to the truth.)
  if (ms < 0) {
    throw new PayloadValidationError(
      `The timestamp "${timestamp}" is before 1970, which Woopra cannot record: check the sender's clock or the Timestamp mapping.`
    )
  }
  return Math.min(ms, now)
}

/**
 * The longest User-Agent header sent, in bytes. Real user agents are under 500 bytes; servers refuse request headers
 * of 8 to 16 KB in all (431, not retried), so a longer one is cut rather than let it cost the event.
 */
const MAX_USER_AGENT_BYTES = 1024

const PRINTABLE_ASCII = /^[\x20-\x7e]$/
const ALL_PRINTABLE_ASCII = /^[\x20-\x7e]*$/
const utf8 = new TextEncoder()

/**
 * The User-Agent header for a user agent. A header carries only Latin-1 without line breaks, and Woopra reads it as
 * ASCII: anything else (another script, a line break) is percent-encoded as UTF-8. The result is cut at
 * MAX_USER_AGENT_BYTES between characters, so that no escape and no character is split.
 */
function userAgentHeader(userAgent: string): string {
  // The usual case, sent as it is without looking at each character: printable ASCII within the limit.
  if (userAgent.length <= MAX_USER_AGENT_BYTES && ALL_PRINTABLE_ASCII.test(userAgent)) return userAgent
  let header = ''
  for (const char of userAgent) {
    const encoded = PRINTABLE_ASCII.test(char)
      ? char
      : Array.from(utf8.encode(char), (byte) => '%' + byte.toString(16).toUpperCase().padStart(2, '0')).join('')
    if (header.length + encoded.length > MAX_USER_AGENT_BYTES) break
    header += encoded
  }
  return header
}

class ParameterList {
  readonly values = new Map<string, string>()

  /**
   * A parameter of its own (an identifier, the event name, a page title): set unless its value is empty. Its strings
   * are sent as given: only trait and property values are read as ISO date-times.
   */
  set(key: string, value: unknown): void {
    this.put(key, typeof value === 'string' ? value : encodeValue(value, key))
  }

  /** Each key of `properties` under `prefix`, unless a dedicated parameter already holds that name. */
  addPrefixed(prefix: string, properties: Record<string, unknown> | undefined): void {
    if (!properties) return
    for (const key of Object.keys(properties)) {
      const name = prefix + key
      if (!this.values.has(name)) this.put(name, encodeValue(properties[key], name))
    }
  }

  private put(key: string, encoded: string | undefined): void {
    if (encoded !== undefined && encoded !== '') this.values.set(key, encoded)
  }
}

/** The Woopra request for one event: pure, so that it can be tested and measured on its own. */
export function buildWoopraRequest(
  settings: Settings,
  payload: CommonPayload,
  call: WoopraCall,
  now: number = Date.now()
): WoopraRequest {
  const problem = projectProblem(settings.project)
  if (problem) throw new InvalidAuthenticationError(problem)
  const cookie = identifier(payload.cookie) ?? identifier(payload.anonymous_id)
  const userId = identifier(payload.user_id)
  const email = identifier(payload.email)
  if (!cookie && !userId && !email) {
    throw new PayloadValidationError(
      'Woopra cannot attribute this event to a visitor: it has no cookie, no user ID and no email. Map at least one of them (by default: integrations.Woopra.cookie, else anonymousId; userId; the email trait or property).'
    )
  }
  if (call.endpoint === 'ce' && !call.event) {
    throw new PayloadValidationError('Woopra needs an event name to track an event, and this event has none.')
  }

  const params = new ParameterList()
  params.set('project', settings.project)
  params.set('event', call.event)
  params.set('cookie', cookie)
  params.set('cv_id', userId)
  params.set('cv_email', email)
  for (const [key, value] of Object.entries(call.parameters ?? {})) params.set(key, value)
  if (payload.timestamp !== undefined) params.set('timestamp', eventTimeMs(payload.timestamp, now))
  params.set('timeout', visitTimeoutMs(payload.timeout))
  params.set('ip', payload.ip)
  params.set('referer', payload.referrer)
  params.set('language', payload.language)
  params.addPrefixed('cv_', call.visitorProperties)
  params.addPrefixed('ce_', call.eventProperties)
  params.addPrefixed('cs_', payload.visit_properties)

  const endpoint = WOOPRA_TRACK_URL + call.endpoint
  const headers: Record<string, string> = payload.user_agent
    ? { 'user-agent': userAgentHeader(payload.user_agent) }
    : {}
  const getUrl = `${endpoint}?${new URLSearchParams([...params.values]).toString()}`
  // URLSearchParams percent-encodes everything beyond ASCII, so the string length is the byte length.
  if (getUrl.length <= MAX_GET_URL_BYTES) return { method: 'GET', url: getUrl, headers }
  return { method: 'POST', url: endpoint, headers, json: Object.fromEntries(params.values) }
}

/**
 * The whole exchange with Woopra, from connecting to the last byte of the answer, ends within this time. (The request
 * client's own timeout of the same length stops at the response headers.)
 */
const REQUEST_TIMEOUT_MS = 10000
/** Woopra answers a few bytes; an answer larger than this is not read further and fails as retryable. */
const MAX_ANSWER_BYTES = 1024 * 1024

/** A Location without its query and fragment, which could carry the visitor's data, nor any credentials. */
function locationForMessage(location: string | null): string {
  if (!location) return 'no Location'
  try {
    const url = new URL(location)
    return `Location ${url.origin}${url.pathname}`
  } catch {
    return `Location ${location.split(/[?#]/)[0]}`
  }
}

interface FetchFailure {
  name?: string
  type?: string
  code?: string
  message?: string
}

/** The error Segment retries for a failed exchange; never node-fetch's own message, which quotes the full URL. */
function exchangeFailure(error: FetchFailure | undefined, path: string): RetryableError {
  const timedOut = error?.name === 'TimeoutError' || error?.type === 'request-timeout' || error?.type === 'body-timeout'
  if (timedOut) return timeoutError(path)
  if (error?.type === 'max-size') {
    return new RetryableError(`Woopra's answer to ${path} was larger than ${MAX_ANSWER_BYTES} bytes`, 503)
  }
  const reason = error?.code ?? 'connection failed'
  // node-fetch words a failure while reading the body this way; before the headers, it says "request to … failed".
  if (error?.message?.startsWith('Invalid response body')) {
    return new RetryableError(`Woopra's answer to ${path} was cut off (${reason})`, 503)
  }
  return new RetryableError(`Woopra could not be reached at ${path} (${reason})`, 503)
}

function timeoutError(path: string): RetryableError {
  return new RetryableError(`Woopra did not answer ${path} in full within ${REQUEST_TIMEOUT_MS} ms`, 408)
}

/**
 * One request to Woopra that always ends, with a response or a RetryableError within REQUEST_TIMEOUT_MS:
 * - the answer is read once, without cloning: actions-core otherwise reads only a clone, which hangs on an answer of
 *   64 KB or more or one cut mid-body, and lets a reset mid-body escape as an uncaught error;
 * - reading is bounded in size (node-fetch's `size`, which actions-core passes through) and in time (the deadline
 *   below; the request client's own timeout ends at the headers);
 * - redirects are not followed: Woopra's endpoints do not redirect, and following one sends the visitor's data on.
 */
async function exchange(request: RequestClient, woopraRequest: WoopraRequest, path: string) {
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(timeoutError(path)), REQUEST_TIMEOUT_MS)
  })
  const options: RequestOptions & { size: number } = {
    method: woopraRequest.method,
    headers: woopraRequest.headers,
    json: woopraRequest.json,
    throwHttpErrors: false,
    redirect: 'manual',
    skipResponseCloning: true,
    // Up to the headers, the request client's timer aborts the request and closes the connection. (An own `signal`
    // cannot do that for the body: actions-core 3.170.0 loses it when it merges request options.)
    timeout: REQUEST_TIMEOUT_MS,
    size: MAX_ANSWER_BYTES
  }
  try {
    return await Promise.race([request(woopraRequest.url, options), deadline])
  } catch (error) {
    if (error instanceof RetryableError || error instanceof IntegrationError) throw error
    throw exchangeFailure(error as FetchFailure, path)
  } finally {
    clearTimeout(timer)
  }
}

/** Sends one event to Woopra and turns every failure into an error Segment can act on. */
export async function sendToWoopra(
  request: RequestClient,
  settings: Settings,
  payload: CommonPayload,
  call: WoopraCall
) {
  const woopraRequest = buildWoopraRequest(settings, payload, call)
  const path = `/track/${call.endpoint}`
  const response = await exchange(request, woopraRequest, path)
  if (!response.ok) {
    const { status, statusText } = response
    const reason = statusText ? ` ${statusText}` : ''
    // Woopra's tracking endpoints do not redirect: following one would send the visitor's data to another host.
    const redirect =
      status >= 300 && status < 400
        ? `, redirecting to ${locationForMessage(response.headers.get('location'))}; redirects are not followed`
        : ''
    // The answer's body is left out: it may echo the visitor's data, and error messages end up in logs.
    throw new IntegrationError(
      `Woopra answered ${status}${reason} to ${path}${redirect}`,
      getErrorCodeFromHttpStatus(status),
      status
    )
  }
  return response
}
