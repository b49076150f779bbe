import type { SegmentEvent } from '@segment/actions-core'

// The floor: the same Woopra requests as the destination sends with its presets, built by hand for this event mix
// with URLSearchParams, as a user calling Woopra directly would write them. No mapping, no validation, no framework.

export const FLOOR_TRACK_URL = 'https://www.woopra.com/track/'
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/

type Props = Record<string, unknown>

/** Woopra's value encoding: empties dropped, ISO date-times as epoch ms, objects and arrays as JSON. */
export function encode(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'string') return ISO_DATE_TIME.test(value) ? String(Date.parse(value)) : value
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

function put(params: URLSearchParams, key: string, value: unknown) {
  const encoded = encode(value)
  if (encoded !== undefined) params.append(key, encoded)
}

function putPrefixed(params: URLSearchParams, prefix: string, props: Props | undefined) {
  if (!props) return
  for (const key in props) {
    if (!params.has(prefix + key)) put(params, prefix + key, props[key])
  }
}

export interface FloorRequest {
  url: string
  headers: Record<string, string>
}

export function buildFloorRequest(project: string, event: SegmentEvent): FloorRequest {
  const context = (event.context ?? {}) as Props & { page?: Props; traits?: Props }
  const page = context.page ?? {}
  const properties = (event.properties ?? {}) as Props
  const traits = (event.traits ?? {}) as Props
  const params = new URLSearchParams()
  const isIdentify = event.type === 'identify'

  put(params, 'project', project)
  if (event.type === 'track') put(params, 'event', event.event)
  if (event.type === 'page') put(params, 'event', 'pv')
  put(params, 'cookie', event.anonymousId)
  put(params, 'cv_id', event.userId)
  put(params, 'cv_email', isIdentify ? traits.email : properties.email ?? context.traits?.email)
  if (isIdentify) {
    put(params, 'cv_name', traits.name || [traits.firstName, traits.lastName].filter(Boolean).join(' '))
  }
  if (event.type === 'page') {
    const pageUrl = (properties.url ?? page.url) as string | undefined
    if (pageUrl) {
      const url = new URL(pageUrl)
      put(params, 'ce_url', url.pathname + url.search)
      put(params, 'ce_uri', pageUrl)
      put(params, 'ce_domain', url.hostname)
    }
    const name = event.name
    put(
      params,
      'ce_title',
      name ? (event.category ? `${event.category} ${name}` : name) : properties.title ?? page.title
    )
  }
  put(params, 'timestamp', Date.parse(event.timestamp as string))
  put(params, 'timeout', 60000)
  put(params, 'ip', context.ip)
  put(params, 'referer', page.referrer)
  put(params, 'language', context.locale)
  if (isIdentify) putPrefixed(params, 'cv_', traits)
  else putPrefixed(params, 'ce_', properties)

  const endpoint = isIdentify ? 'identify' : 'ce'
  const userAgent = context.userAgent as string | undefined
  return {
    url: `${FLOOR_TRACK_URL}${endpoint}?${params.toString()}`,
    headers: userAgent ? { 'user-agent': userAgent } : {}
  }
}
