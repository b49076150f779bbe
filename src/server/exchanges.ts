import type { DecoratedResponse } from '@segment/actions-core'

/** One request to the destination's API and its answer, as the actions CLI's `serve` reports them. */
export interface Exchange {
  request: { url: string; method: string; headers: Record<string, string>; body: string }
  response: { statusCode: number; statusMessage: string; headers: Record<string, string>; body: unknown }
}

/** Headers whose values the CLI's `serve` replaces with `<redacted>` in its answers (the same list). */
const SENSITIVE_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'www-authenticate',
  'proxy-authenticate',
  'x-csrf-token',
  'x-xsrf-token',
  'x-api-key',
  'x-client-id',
  'x-uid',
  'x-requested-with',
  'x-forwarded-for',
  'x-real-ip',
  'x-amz-security-token',
  'x-amz-content-sha256',
  'x-amz-date',
  'x-amz-user-agent'
])

interface HeaderList {
  forEach(callback: (value: string, name: string) => void): void
}

function isHeaderList(headers: object): headers is HeaderList {
  return typeof (headers as Partial<HeaderList>).forEach === 'function'
}

/** Headers as a plain object, with the values of sensitive ones replaced by `<redacted>`. */
export function redactHeaders(
  headers: HeaderList | Record<string, string | string[] | undefined>
): Record<string, string> {
  const result: Record<string, string> = {}
  const add = (value: string, name: string) => {
    result[name] = SENSITIVE_HEADERS.has(name.toLowerCase()) ? '<redacted>' : value
  }
  if (isHeaderList(headers)) {
    headers.forEach(add)
    return result
  }
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) add(Array.isArray(value) ? value.join(', ') : value, name)
  }
  return result
}

function headersObject(headers: HeaderList): Record<string, string> {
  const result: Record<string, string> = {}
  headers.forEach((value, name) => {
    result[name] = value
  })
  return result
}

/** The exchanges recorded by a destination's request client, in the order they happened. */
export async function summarizeExchanges(responses: readonly DecoratedResponse[]): Promise<Exchange[]> {
  const exchanges: Exchange[] = []
  for (const response of responses) {
    const request = response.request.clone()
    exchanges.push({
      request: {
        url: request.url,
        method: request.method,
        headers: redactHeaders(request.headers),
        body: (await request.text()) ?? ''
      },
      response: {
        statusCode: response.status,
        statusMessage: response.statusText,
        headers: headersObject(response.headers),
        body: response.data ?? response
      }
    })
  }
  return exchanges
}
