import type { ActionDefinition } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import type { Payload } from './generated-types'
import { commonFields, pathOrElse } from '../fields'
import { sendToWoopra } from '../woopra-request'
import { unlessSentByTracker } from '../sent-by-tracker'

/** Woopra's own name for a page view, which its page reports are built on. */
export const PAGE_VIEW_EVENT = 'pv'

// Resolves relative page URLs (a bare path) so that their path and query can still be read.
const RELATIVE_BASE = 'relative:///'

/**
 * The page properties Woopra's browser tracker sends for a page view: `url` the path, with the query unless
 * `ignore_query_url`; `uri` the full URL; `domain` the host. (Woopra Web (Actions) sends the same.)
 */
function pageUrlParameters(pageUrl: string | undefined, ignoreQuery: boolean) {
  if (!pageUrl) return {}
  let url: URL
  try {
    url = new URL(pageUrl, RELATIVE_BASE)
  } catch {
    return { ce_uri: pageUrl }
  }
  return { ce_url: url.pathname + (ignoreQuery ? '' : url.search), ce_uri: pageUrl, ce_domain: url.hostname }
}

/** The page title Woopra shows: "category name" as analytics.js names pages, else the document title. */
export function pageTitle(payload: Pick<Payload, 'page_name' | 'page_category' | 'page_title'>) {
  if (!payload.page_name) return payload.page_title
  return payload.page_category ? `${payload.page_category} ${payload.page_name}` : payload.page_name
}

const action: ActionDefinition<Settings, Payload> = {
  title: 'Track Page View',
  description: "Track a page view in Woopra as its own page view event (`pv`), so that Woopra's page reports work.",
  defaultSubscription: unlessSentByTracker('page'),
  fields: {
    ...commonFields,
    page_url: {
      label: 'Page URL',
      description:
        'The full URL of the page. Woopra receives its path as `ce_url` (with the query only when the Ignore Query In URLs setting is off), the full URL as `ce_uri` and its host as `ce_domain`, as from its browser tracker.',
      type: 'string',
      default: pathOrElse('$.properties.url', '$.context.page.url')
    },
    page_name: {
      label: 'Page Name',
      description: 'The name of the page. With the page category it becomes the title Woopra shows, `ce_title`.',
      type: 'string',
      default: { '@path': '$.name' }
    },
    page_category: {
      label: 'Page Category',
      description: 'The category of the page, put before the page name in `ce_title` (as "category name").',
      type: 'string',
      default: { '@path': '$.category' }
    },
    page_title: {
      label: 'Page Title',
      description: 'The document title of the page, sent as `ce_title` when the page has no name.',
      type: 'string',
      default: pathOrElse('$.properties.title', '$.context.page.title')
    },
    properties: {
      label: 'Page Properties',
      description: 'Other properties of the page view, each sent as `ce_<key>`.',
      type: 'object',
      defaultObjectUI: 'keyvalue',
      default: { '@path': '$.properties' }
    }
  },
  perform: (request, { settings, payload }) =>
    sendToWoopra(request, settings, payload, {
      endpoint: 'ce',
      event: PAGE_VIEW_EVENT,
      parameters: {
        ...pageUrlParameters(payload.page_url, settings.ignoreQueryUrl !== false),
        ce_title: pageTitle(payload)
      },
      eventProperties: payload.properties
    })
}

export default action
