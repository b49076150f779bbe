import type { FailureSummary } from './types'

/** Where deliverThroughDestination puts the last Woopra response on the error it throws, for classifyFailure. */
export const LAST_RESPONSE = Symbol.for('woopra-actions.delivery.lastResponse')
/** Where deliverThroughDestination puts the key of the action that threw, for classifyFailure. */
export const FAILED_ACTION = Symbol.for('woopra-actions.delivery.failedAction')

/** What classifyFailure needs of an HTTP response: its status and its headers (a Fetch Headers or a plain object). */
export interface ResponseLike {
  status: number
  headers?: { get(name: string): string | null } | Record<string, unknown>
}

/** Error codes of Node's sockets and DNS that mean "the exchange did not happen or did not finish": worth retrying. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT'
])

/** Error names of fetch clients for a timeout or an aborted exchange. */
const NETWORK_NAMES = new Set(['TimeoutError', 'AbortError', 'FetchError'])

const MAX_MESSAGE_LENGTH = 1000

interface ErrorFields {
  name?: unknown
  message?: unknown
  status?: unknown
  code?: unknown
  errno?: unknown
  response?: { status?: unknown }
  cause?: unknown
  [LAST_RESPONSE]?: ResponseLike
  [FAILED_ACTION]?: unknown
}

/** The status an error stands for, as actions-core reads it (`status`, else `response.status`). */
function statusOf(error: ErrorFields): number | undefined {
  const status = error.status ?? error.response?.status
  return typeof status === 'number' && Number.isInteger(status) ? status : undefined
}

function isNetworkError(error: ErrorFields): boolean {
  if (typeof error.code === 'string' && NETWORK_CODES.has(error.code)) return true
  if (typeof error.errno === 'string' && NETWORK_CODES.has(error.errno)) return true
  if (typeof error.name === 'string' && NETWORK_NAMES.has(error.name)) return true
  const cause = error.cause as ErrorFields | undefined
  return typeof cause === 'object' && cause !== null && cause !== error && typeof cause.code === 'string'
    ? NETWORK_CODES.has(cause.code)
    : false
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599)
}

function headerOf(response: ResponseLike, name: string): string | undefined {
  const headers = response.headers
  if (!headers) return undefined
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined
  }
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? String(value[0]) : String(value)
  }
  return undefined
}

/** `Retry-After` as milliseconds from now: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) {
    const seconds = Number(text)
    return Number.isSafeInteger(seconds * 1000) ? seconds * 1000 : undefined
  }
  // An HTTP date names its day and month (`Fri, 27 Nov 2026 12:00:30 GMT`); Date.parse would take '-5' as a year.
  const date = /[a-z]{3}/i.test(text) ? Date.parse(text) : NaN
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * What went wrong in one attempt, and whether another attempt may succeed. Retryable: actions-core's
 * RetryableError, a status of 5xx, 408 or 429, and network errors (reset, refused, DNS, timeouts); everything else
 * (other 4xx, payload validation, invalid settings, a bug) is permanent. `lastResponse` (else the one
 * deliverThroughDestination attached to the error) gives `Retry-After` when it is the answer this error reports.
 */
export function classifyFailure(error: unknown, lastResponse?: ResponseLike): FailureSummary {
  const fields: ErrorFields = typeof error === 'object' && error !== null ? (error as ErrorFields) : {}
  const errorClass =
    typeof fields.name === 'string' && fields.name !== ''
      ? fields.name
      : error instanceof Error
      ? error.constructor.name
      : typeof error
  const rawMessage = typeof fields.message === 'string' ? fields.message : String(error)
  const message =
    rawMessage.length > MAX_MESSAGE_LENGTH ? `${rawMessage.slice(0, MAX_MESSAGE_LENGTH)}… (cut)` : rawMessage
  const status = statusOf(fields)
  const retryable =
    errorClass === 'RetryableError' || (status !== undefined && isRetryableStatus(status)) || isNetworkError(fields)

  const response = lastResponse ?? fields[LAST_RESPONSE]
  const retryAfterMs =
    response && (status === undefined || response.status === status)
      ? parseRetryAfter(headerOf(response, 'retry-after'))
      : undefined

  const action = fields[FAILED_ACTION]
  return {
    errorClass,
    ...(status !== undefined ? { status } : {}),
    message,
    retryable,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(typeof action === 'string' ? { action } : {})
  }
}
