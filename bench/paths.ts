import type { IncomingMessage } from 'http'
import path from 'path'
import type { DestinationDefinition, JSONObject, Preset, SegmentEvent, Subscription } from '@segment/actions-core'
import type Woopra from 'woopra'
import type WoopraDestination from '../src/destinations/woopra'

// The ways of sending one Segment event to Woopra (or to a peer) that the bench compares. Each path loads only what
// it needs, inside its own process, so that its memory and CPU are its own. All go out through the same redirect.

export type PathId = 'a' | 'b' | 'c' | 'd' | 'e1' | 'e2'
export type Send = (event: SegmentEvent) => Promise<unknown>
type Props = Record<string, unknown>
type WoopraDefinition = typeof WoopraDestination

export interface PathInfo {
  id: PathId
  name: string
  detail: string
  /** The endpoint (`METHOD host/path`, no query) each event type should reach. */
  endpointFor(type: string): string
}

export const PROJECT = 'bench.example.com'

const woopraEndpoint = (type: string) => `GET www.woopra.com/track/${type === 'identify' ? 'identify' : 'ce'}`

export const PATHS: PathInfo[] = [
  {
    id: 'a',
    name: 'a. Woopra (Actions) onEvent',
    detail: 'new Destination(woopra).onEvent(event, { project, subscriptions: the three presets })',
    endpointFor: woopraEndpoint
  },
  {
    id: 'b',
    name: 'b. Woopra (Actions) action.execute',
    detail: "destination.actions[preset's action].execute({ data, mapping: preset mapping, settings })",
    endpointFor: woopraEndpoint
  },
  {
    id: 'c',
    name: 'c. floor: URLSearchParams + request client',
    detail: "the same Woopra requests built by hand, sent with actions-core's createRequestClient()",
    endpointFor: woopraEndpoint
  },
  {
    id: 'd',
    name: 'd. woopra npm SDK 1.0.2',
    detail: 'new Woopra(project).client(...).identify(...).track(...) / .push(), per event',
    endpointFor: woopraEndpoint
  },
  {
    id: 'e1',
    name: 'e1. peer: Podscribe onEvent',
    detail: 'Podscribe (Actions) track/page: one GET verifi.podscribe.com/tag?<query> per event',
    endpointFor: () => 'GET verifi.podscribe.com/tag'
  },
  {
    id: 'e2',
    name: 'e2. peer: StackAdapt onEvent',
    detail: 'StackAdapt forwardEvent (its preset): one GET tags.srv.stackadapt.com/saq_pxl?<query> per event',
    endpointFor: () => 'GET tags.srv.stackadapt.com/saq_pxl'
  }
]

export const PATH_IDS = PATHS.map((path) => path.id)

export function pathInfo(id: string): PathInfo {
  const info = PATHS.find((path) => path.id === id)
  if (!info) throw new Error(`Unknown path "${id}"; expected one of ${PATH_IDS.join(', ')}`)
  return info
}

function subscriptionsOf(definition: { presets?: Preset[] }): Subscription[] {
  return (definition.presets ?? []).flatMap((preset) =>
    preset.type === 'automatic'
      ? [{ subscribe: preset.subscribe, partnerAction: preset.partnerAction, mapping: preset.mapping }]
      : []
  )
}

async function viaOnEvent<S>(definition: DestinationDefinition<S>, settings: JSONObject): Promise<Send> {
  const { Destination } = await import('@segment/actions-core')
  const destination = new Destination<S>(definition)
  return async (event) => {
    const results = await destination.onEvent(event, settings)
    forgetResponses(destination)
    return results
  }
}

/**
 * A Destination keeps every response of its actions in `responses` (read by actions-core's test integration) and
 * never empties it. A long-lived Destination would grow for ever; the bench empties it after each event, so that the
 * cost per event does not depend on how many events came before.
 */
function forgetResponses(destination: { responses: unknown[] }) {
  destination.responses.length = 0
}

/** Our destination, or, with BENCH_DESTINATION (--destination), a candidate copy of its folder to compare. */
export async function loadWoopra(): Promise<WoopraDefinition> {
  const candidate = process.env.BENCH_DESTINATION
  if (!candidate) return (await import('../src/destinations/woopra')).default
  return ((await import(path.resolve(candidate))) as { default: WoopraDefinition }).default
}

async function woopraOnEvent(): Promise<Send> {
  const definition = await loadWoopra()
  const subscriptions = subscriptionsOf(definition) as unknown as JSONObject[]
  return viaOnEvent(definition, { project: PROJECT, subscriptions })
}

async function woopraExecute(): Promise<Send> {
  const { Destination } = await import('@segment/actions-core')
  const definition = await loadWoopra()
  const destination = new Destination(definition)
  const settings = { project: PROJECT }
  const byType: Record<string, { slug: string; mapping: JSONObject }> = {}
  for (const subscription of subscriptionsOf(definition)) {
    const type = /type = "(\w+)"/.exec(subscription.subscribe)?.[1] as string
    byType[type] = { slug: subscription.partnerAction, mapping: subscription.mapping ?? {} }
  }
  return async (event) => {
    const { slug, mapping } = byType[event.type]
    const results = await destination.actions[slug].execute({
      data: event as unknown as JSONObject,
      mapping,
      settings,
      auth: undefined
    })
    forgetResponses(destination)
    return results
  }
}

async function floor(): Promise<Send> {
  const { createRequestClient } = await import('@segment/actions-core')
  const { buildFloorRequest } = await import('./floor')
  const request = createRequestClient()
  return async (event) => {
    const { url, headers } = buildFloorRequest(PROJECT, event)
    const response = await request(url, { method: 'GET', headers, throwHttpErrors: false })
    if (!response.ok) throw new Error(`floor: ${response.status}`)
    return response
  }
}

async function woopraSdk(): Promise<Send> {
  const WoopraSdk = (await import('woopra')).default
  const { encode } = await import('./floor')
  // The SDK sends every value with encodeURIComponent(String(value)): the caller drops empties and encodes dates,
  // objects and arrays the way Woopra expects, as a careful user of the SDK would.
  const encoded = (props: Record<string, unknown> | undefined, skip: readonly string[] = []) => {
    const out: Record<string, string> = {}
    for (const key in props) {
      const value = encode(props[key])
      if (value !== undefined && !skip.includes(key)) out[key] = value
    }
    return out
  }
  return (event) =>
    new Promise((resolve, reject) => {
      const context = (event.context ?? {}) as { ip?: string; userAgent?: string; locale?: string; traits?: Props }
      const page = (event.context?.page ?? {}) as { url?: string; referrer?: string }
      const properties = (event.properties ?? {}) as Props
      const traits = (event.traits ?? {}) as Props
      const timestamp = String(Date.parse(event.timestamp as string))
      const woopra = new WoopraSdk(PROJECT, { ssl: true })
      woopra.client(
        encoded({
          cookie: event.anonymousId,
          ip: context.ip,
          'user-agent': context.userAgent,
          language: context.locale,
          timeout: 60000,
          ...(event.type === 'identify' ? { referer: page.referrer, timestamp } : {})
        })
      )
      const email = event.type === 'identify' ? traits.email : properties.email ?? context.traits?.email
      const name = traits.name || [traits.firstName, traits.lastName].filter(Boolean).join(' ')
      const visitor = encoded({ id: event.userId, email, ...(event.type === 'identify' ? { name } : {}) })
      const visitorTraits = event.type === 'identify' ? encoded(traits, ['email', 'name']) : {}
      woopra.identify({ ...visitorTraits, ...visitor } as Woopra.PropertiesWithId)

      // The SDK calls back with (error, null) or (null, response).
      const done = (error: Error, res: IncomingMessage) => {
        if (error || !res) return reject(error ?? new Error('woopra SDK: no response'))
        if (res.statusCode !== 200) return reject(new Error(`woopra SDK: ${res.statusCode}`))
        res.resume()
        res.on('end', () => resolve(res.statusCode))
        res.on('error', reject)
      }
      const options: Woopra.TrackOptions & { referer?: string } = { timestamp, referer: page.referrer }
      if (event.type === 'identify') woopra.push(done)
      else if (event.type === 'track') woopra.track(event.event as string, encoded(properties), options, done)
      else {
        const pageUrl = (properties.url ?? page.url) as string
        const url = new URL(pageUrl)
        const title = event.name ? (event.category ? `${event.category} ${event.name}` : event.name) : properties.title
        const pageProps = { url: url.pathname + url.search, uri: pageUrl, domain: url.hostname, title }
        woopra.track('pv', { ...encoded(properties, ['url', 'title']), ...encoded(pageProps) }, options, done)
      }
    })
}

async function podscribe(): Promise<Send> {
  const { defaultValues } = await import('@segment/actions-core')
  const definition = (await import('@segment/action-destinations/dist/destinations/podscribe')).default
  const { track, page } = definition.actions
  // Podscribe's own presets only cover "Order Completed" and "Signed Up"; to send every event of the mix, track
  // takes its Podscribe event type from the Segment event name and identify goes through track as "identify".
  const subscriptions = [
    {
      subscribe: 'type = "track"',
      partnerAction: 'track',
      mapping: { ...defaultValues(track.fields), podscribeEvent: { '@path': '$.event' } }
    },
    { subscribe: 'type = "page"', partnerAction: 'page', mapping: defaultValues(page.fields) },
    {
      subscribe: 'type = "identify"',
      partnerAction: 'track',
      mapping: { ...defaultValues(track.fields), podscribeEvent: 'identify' }
    }
  ]
  return viaOnEvent(definition, { advertiser: 'bench', subscriptions } as unknown as JSONObject)
}

async function stackAdapt(): Promise<Send> {
  const definition = (await import('@segment/action-destinations/dist/destinations/stackadapt')).default
  const subscriptions = subscriptionsOf(definition) as unknown as JSONObject[]
  return viaOnEvent(definition, { pixelId: 'bench', subscriptions })
}

const SETUP: Record<PathId, () => Promise<Send>> = {
  a: woopraOnEvent,
  b: woopraExecute,
  c: floor,
  d: woopraSdk,
  e1: podscribe,
  e2: stackAdapt
}

export function setupPath(id: PathId): Promise<Send> {
  return SETUP[id]()
}
