import {
  IntegrationError,
  InvalidAuthenticationError,
  PayloadValidationError,
  RetryableError
} from '@segment/actions-core'
import { classifyFailure, parseRetryAfter, visitorKey } from '../../src/delivery'

// What is retried and what is not, what Retry-After means, and whose lane an event runs in.

describe('classifyFailure', () => {
  const networkError = (code: string) => Object.assign(new Error(`request failed, reason: ${code}`), { code, name: 'FetchError' }) // prettier-ignore

  it.each([
    ['RetryableError', new RetryableError('Woopra could not be reached: socket hang up', 503), 503, true],
    ['RetryableError', new RetryableError('Woopra did not answer in time', 408), 408, true],
    ['IntegrationError', new IntegrationError('Woopra answered 500 Internal Server Error to /track/ce', 'HTTP', 500), 500, true], // prettier-ignore
    ['IntegrationError', new IntegrationError('Woopra answered 429 Too Many Requests to /track/ce', 'HTTP', 429), 429, true], // prettier-ignore
    ['IntegrationError', new IntegrationError('Woopra answered 408 Request Timeout to /track/ce', 'HTTP', 408), 408, true], // prettier-ignore
    ['IntegrationError', new IntegrationError('Woopra answered 400 Bad Request to /track/ce', 'HTTP', 400), 400, false],
    ['IntegrationError', new IntegrationError('Woopra answered 301 Moved Permanently (Location: https://x.example/)', 'HTTP', 301), 301, false], // prettier-ignore
    ['PayloadValidationError', new PayloadValidationError('no cookie, no user ID and no email'), 400, false],
    ['InvalidAuthenticationError', new InvalidAuthenticationError('The project is empty'), 401, false]
  ] as [string, Error, number, boolean][])('%s %#: status %d, retryable %s', (errorClass, error, status, retryable) => {
    expect(classifyFailure(error)).toEqual({ errorClass, status, message: error.message, retryable })
  })

  it('retries network errors, which have no status', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EAI_AGAIN']) {
      expect(classifyFailure(networkError(code))).toEqual({
        errorClass: 'FetchError',
        message: `request failed, reason: ${code}`,
        retryable: true
      })
    }
  })

  it('reads the status of an HTTPError from its response, as actions-core does', () => {
    const error = Object.assign(new Error('Service Unavailable'), { name: 'HTTPError', response: { status: 503 } })
    expect(classifyFailure(error)).toEqual({
      errorClass: 'HTTPError',
      status: 503,
      message: 'Service Unavailable',
      retryable: true
    })
  })

  it('does not retry a bug, or something thrown that is not an error', () => {
    expect(classifyFailure(new TypeError("Cannot read properties of undefined (reading 'x')"))).toEqual({
      errorClass: 'TypeError',
      message: "Cannot read properties of undefined (reading 'x')",
      retryable: false
    })
    expect(classifyFailure('text')).toEqual({ errorClass: 'string', message: 'text', retryable: false })
    expect(classifyFailure(undefined)).toEqual({ errorClass: 'undefined', message: 'undefined', retryable: false })
  })

  it('cuts a very long message', () => {
    const summary = classifyFailure(new IntegrationError('x'.repeat(5000), 'HTTP', 400))
    expect(summary.message).toBe(`${'x'.repeat(1000)}… (cut)`)
  })

  it('takes Retry-After from the response that the error reports, in seconds or as a date', () => {
    const error = new IntegrationError('Woopra answered 429 Too Many Requests to /track/ce', 'HTTP', 429)
    const fetchHeaders = new Headers({ 'Retry-After': '12' })
    expect(classifyFailure(error, { status: 429, headers: fetchHeaders }).retryAfterMs).toBe(12_000)
    expect(classifyFailure(error, { status: 429, headers: { 'retry-after': '3' } }).retryAfterMs).toBe(3000)
    // A response of an earlier request of the same event is not this error's answer.
    expect(classifyFailure(error, { status: 200, headers: { 'retry-after': '3' } }).retryAfterMs).toBeUndefined()
    expect(classifyFailure(error, { status: 429, headers: { 'retry-after': 'soon' } }).retryAfterMs).toBeUndefined()
    expect(classifyFailure(error, { status: 429, headers: {} })).not.toHaveProperty('retryAfterMs')
  })

  it('parses Retry-After', () => {
    const now = Date.parse('2026-11-27T12:00:00Z')
    expect(parseRetryAfter('0', now)).toBe(0)
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000)
    expect(parseRetryAfter('Fri, 27 Nov 2026 12:00:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfter('Fri, 27 Nov 2026 11:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('-5', now)).toBeUndefined()
    expect(parseRetryAfter('1.5', now)).toBeUndefined()
    expect(parseRetryAfter('9'.repeat(400), now)).toBeUndefined()
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
  })
})

describe('visitorKey', () => {
  it.each([
    [{ userId: 'u1', anonymousId: 'a1', integrations: { Woopra: { cookie: 'c1' } }, messageId: 'm1' }, 'u1'],
    [{ userId: '  ', anonymousId: 'a1', integrations: { Woopra: { cookie: 'c1' } } }, 'c1'],
    [{ userId: 42, anonymousId: 'a1' }, '42'],
    [{ anonymousId: 'a1', integrations: { Woopra: { cookie: '' } } }, 'a1'],
    [{ anonymousId: 'a1', integrations: { Woopra: false } }, 'a1'],
    [{ anonymousId: 'a1', integrations: { Woopra: { cookie: 7 } } }, 'a1'],
    [{ userId: null, anonymousId: '', messageId: 'm1' }, 'm1'],
    [{ type: 'track' }, ''],
    [null, ''],
    ['text', '']
  ])('%j → %j', (event, key) => {
    expect(visitorKey(event)).toBe(key)
  })
})
