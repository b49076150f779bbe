import type { createTestIntegration } from '@segment/actions-core'

// What the action tests share: the Woopra host, the settings, a pinned event time and readers of the sent request.

export const WOOPRA = 'https://www.woopra.com'
export const settings = { project: 'example.com' }
// 2024-03-05T10:20:30.456Z in milliseconds since the epoch.
export const TIMESTAMP = '2024-03-05T10:20:30.456Z'
export const TIMESTAMP_MS = '1709634030456'

export type Sent = Awaited<ReturnType<ReturnType<typeof createTestIntegration>['testAction']>>[number]

/** Every query parameter of a request, after checking that no name is repeated. */
export function queryOf(response: Sent): Record<string, string> {
  const entries = [...new URL(response.request.url).searchParams]
  const params = Object.fromEntries(entries)
  expect(Object.keys(params)).toHaveLength(entries.length)
  return params
}

/** The request's URL without its query: scheme, host and path. */
export function endpointOf(response: Sent): string {
  const url = new URL(response.request.url)
  return url.origin + url.pathname
}
