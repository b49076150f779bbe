import type { SegmentEvent } from '@segment/actions-core'
import { pathInfo } from './paths'
import type { PathId } from './paths'
import type { SinkRequest } from './sink'

// Checks on what the sink received during the warm-up, so that no path is cheaper because it sends less:
// one request per event to the right endpoint on every path; (a), (b) and the floor (c) byte for byte the same;
// the SDK (d) carrying every parameter of the floor with the same value; the peers carrying the event's identity.

export interface Verification {
  lines: string[]
  checks: Record<string, string>
}

const query = (request: SinkRequest) => new URLSearchParams(request.url.split('?')[1] ?? '')
const endpoint = (request: SinkRequest) => `${request.method} ${request.host}${request.url.split('?')[0]}`
const same = (x: SinkRequest, y: SinkRequest) =>
  x.method === y.method && x.host === y.host && x.url === y.url && x.userAgent === y.userAgent && x.body === y.body

function fail(message: string): never {
  throw new Error(`verification failed: ${message}`)
}

/** Names the SDK uses for a floor parameter. */
const SDK_NAMES: Record<string, string> = { project: 'website' }

export function verifyWarmup(recorded: Map<PathId, SinkRequest[]>, events: readonly SegmentEvent[]): Verification {
  const lines: string[] = []
  const checks: Record<string, string> = {}
  const note = (id: string, message: string) => {
    checks[id] = message
    lines.push(`verified ${id}: ${message}`)
  }

  for (const [id, requests] of recorded) {
    if (requests.length !== events.length) fail(`${id} sent ${requests.length} requests for ${events.length} events`)
    requests.forEach((request, i) => {
      const expected = pathInfo(id).endpointFor(events[i].type)
      if (endpoint(request) !== expected) fail(`${id}, event ${i}: ${endpoint(request)} instead of ${expected}`)
    })
    note(id, `${requests.length} requests for ${events.length} events, each to its endpoint; sample: ${endpoint(requests[0])}?${requests[0].url.split('?')[1]?.slice(0, 140)}…`) // prettier-ignore
  }

  const floor = recorded.get('c')
  for (const id of ['a', 'b'] as const) {
    const requests = recorded.get(id)
    if (!requests || !floor) continue
    requests.forEach((request, i) => {
      if (!same(request, floor[i]))
        fail(`${id} and the floor differ on event ${i}:\n  ${request.url}\n  ${floor[i].url}`)
    })
    note(`${id} = c`, 'every request identical to the floor’s (method, URL with query, User-Agent, body)')
  }

  const sdk = recorded.get('d')
  if (sdk && floor) {
    const extra = new Set<string>()
    sdk.forEach((request, i) => {
      const sdkParams = query(request)
      for (const [name, value] of query(floor[i])) {
        const sdkName = SDK_NAMES[name] ?? name
        if (sdkParams.get(sdkName) !== value) fail(`d, event ${i}: ${sdkName}=${sdkParams.get(sdkName)}, floor ${name}=${value}`) // prettier-ignore
      }
      for (const name of sdkParams.keys()) if (!query(floor[i]).has(name)) extra.add(name)
      if (request.userAgent !== floor[i].userAgent) fail(`d, event ${i}: another User-Agent`)
    })
    note('d ⊇ c', `every floor parameter with the same value (project as website), plus ${[...extra].join(', ')}`)
  }

  for (const id of ['e1', 'e2'] as const) {
    const requests = recorded.get(id)
    if (!requests) continue
    requests.forEach((request, i) => {
      const ip = (events[i].context as { ip?: string } | undefined)?.ip as string
      if (!request.url.includes(encodeURIComponent(ip)))
        fail(`${id}, event ${i}: the event's IP is not in ${request.url}`)
      const ids = [events[i].userId, events[i].anonymousId].filter(Boolean) as string[]
      if (!ids.some((userOrAnonymousId) => request.url.includes(encodeURIComponent(userOrAnonymousId)))) {
        fail(`${id}, event ${i}: neither the user ID nor the anonymous ID is in ${request.url}`)
      }
    })
    note(`${id} identity`, 'every request carries the event’s IP address and its user ID or anonymous ID')
  }
  return { lines, checks }
}
