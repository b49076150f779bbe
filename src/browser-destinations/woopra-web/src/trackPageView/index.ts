import type { BrowserActionDefinition } from '@segment/browser-destination-runtime/types'
import type { Settings } from '../generated-types'
import { requireTracker } from '../woopra-tracker'
import type { WoopraTracker } from '../woopra-tracker'
import type { Payload } from './generated-types'
import { leftToCloud } from '../tracker-coverage'
import { asText, pathOrElse } from '../mappings'

/** Woopra's own name for a page view, which its page reports are built on. */
export const PAGE_VIEW_EVENT = 'pv'

/**
 * The page's URL as Woopra's tracker sends it for its own page views, and the cloud destination too: `url` the path,
 * with the query unless `ignore_query_url`; `uri` the full URL; `domain` the host. A relative URL is read against the
 * page, as the tracker would fill in the host; one that cannot be read is sent as `uri` alone.
 */
export function pageUrlProperties(pageUrl: string | undefined, ignoreQuery: boolean): Record<string, string> {
  if (!pageUrl) return {}
  let url: URL
  try {
    url = new URL(pageUrl, location.href)
  } catch {
    return { uri: pageUrl }
  }
  return { url: url.pathname + (ignoreQuery ? '' : url.search), uri: pageUrl, domain: url.hostname }
}

/** The page title Woopra shows: "category name" as analytics.js names pages, else the document title. */
export function pageTitle(payload: Pick<Payload, 'page_name' | 'page_category' | 'page_title'>) {
  const name = asText(payload.page_name)
  if (!name) return asText(payload.page_title)
  const category = asText(payload.page_category)
  return category ? `${category} ${name}` : name
}

const action: BrowserActionDefinition<Settings, WoopraTracker, Payload> = {
  title: 'Track Page View',
  description: "Track a page view in Woopra (`woopra.track('pv', …)`), the event Woopra's page reports are built on.",
  platform: 'web',
  defaultSubscription: 'type = "page"',
  fields: {
    page_url: {
      label: 'Page URL',
      description:
        'The full URL of the page. Woopra receives its path as `url` (with the query only when the Ignore Query In URLs setting is off), the full URL as `uri` and its host as `domain`, as the tracker sends them for its own page views.',
      type: 'string',
      default: pathOrElse('$.properties.url', '$.context.page.url')
    },
    page_name: {
      label: 'Page Name',
      description: 'The name of the page. With the page category it becomes the `title` Woopra shows.',
      type: 'string',
      default: { '@path': '$.name' }
    },
    page_category: {
      label: 'Page Category',
      description: 'The category of the page, put before the page name in `title` (as "category name").',
      type: 'string',
      default: { '@path': '$.category' }
    },
    page_title: {
      label: 'Page Title',
      description: 'The document title of the page, sent as `title` when the page has no name.',
      type: 'string',
      default: pathOrElse('$.properties.title', '$.context.page.title')
    },
    properties: {
      label: 'Page Properties',
      description: 'Other properties of the page view (path, referrer, search, ...), each stored as an event property.',
      type: 'object',
      defaultObjectUI: 'keyvalue',
      default: { '@path': '$.properties' }
    }
  },
  perform: (woopra, { payload, settings, context }) => {
    // The cookie plugin left this event to the cloud destination, which sends it: not twice.
    if (leftToCloud(context.event)) return
    requireTracker(woopra)
    const properties: Record<string, unknown> = {
      ...payload.properties,
      ...pageUrlProperties(payload.page_url, settings.ignoreQueryUrl !== false)
    }
    const title = pageTitle(payload)
    if (title) properties.title = title
    // An explicit options argument, so that no page property is read as a tracking option (see trackEvent).
    woopra.track(PAGE_VIEW_EVENT, properties, {})
  }
}

export default action
