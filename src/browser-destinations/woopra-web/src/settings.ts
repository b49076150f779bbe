import type { GlobalSetting } from '@segment/actions-core'
import type { Settings } from './generated-types'
import type { WoopraTracker } from './woopra-tracker'

// The options of Segment's classic Woopra integration, with its defaults, and the names Woopra's tracker knows them by.

export const destinationSettings: Record<keyof Settings, GlobalSetting> = {
  domain: {
    label: 'Project',
    description:
      'Your Woopra project name: the domain registered in Woopra, for example `example.com`, without `www.`. Sent as `domain`; without it Woopra guesses the project from the page host.',
    type: 'string',
    required: true
  },
  cookieName: {
    label: 'Cookie Name',
    description: "The name of the cookie that holds the visitor's Woopra device identifier (`cookie_name`).",
    type: 'string',
    default: 'wooTracker'
  },
  cookieDomain: {
    label: 'Cookie Domain',
    description:
      "The domain the Woopra cookie is written for (`cookie_domain`), for example `.example.com` to share it across subdomains. When empty, Woopra's default applies: the page host without `www.`.",
    type: 'string'
  },
  cookiePath: {
    label: 'Cookie Path',
    description: 'The path the Woopra cookie is written for (`cookie_path`).',
    type: 'string',
    default: '/'
  },
  idleTimeout: {
    label: 'Idle Timeout',
    description:
      'How long, in milliseconds, a visitor without activity stays online in Woopra (`idle_timeout`). Also sent as the `timeout` of every action.',
    type: 'number',
    default: 300000
  },
  downloadTracking: {
    label: 'Track Downloads',
    description:
      "Woopra tracks clicks on links to files (PDF, ZIP, ...) as `download` events by itself (`download_tracking`). On by default, as in Segment's classic integration; off by default in Woopra's own snippet.",
    type: 'boolean',
    default: true
  },
  outgoingTracking: {
    label: 'Track Outgoing Links',
    description:
      "Woopra tracks clicks on links to other sites as `outgoing` events by itself (`outgoing_tracking`). On by default, as in Segment's classic integration; off by default in Woopra's own snippet.",
    type: 'boolean',
    default: true
  },
  clickTracking: {
    label: 'Track Clicks',
    description:
      "Woopra tracks clicks on links and buttons as `button click` events by itself (`click_tracking`). On by default, as in Segment's classic integration; off by default in Woopra's own snippet.",
    type: 'boolean',
    default: true
  },
  outgoingIgnoreSubdomain: {
    label: 'Ignore Subdomains As Outgoing',
    description: 'Links to subdomains of the site do not count as outgoing links (`outgoing_ignore_subdomain`).',
    type: 'boolean',
    default: true
  },
  ignoreQueryUrl: {
    label: 'Ignore Query In URLs',
    description:
      "Page views carry the page's path without its query string as `url` (`ignore_query_url`): the tracker's own page views and those this destination sends, as the Woopra (Actions) cloud destination's setting of the same name does. The full URL is always sent as `uri`.",
    type: 'boolean',
    default: true
  },
  hideCampaign: {
    label: 'Hide Campaign',
    description:
      'After Woopra has read the `utm_` campaign parameters, remove them from the address bar (`hide_campaign`).',
    type: 'boolean',
    default: false
  }
}

/** Woopra's own name for each setting, in the order the settings are sent. */
const WOOPRA_OPTION_NAMES: Record<keyof Settings, string> = {
  domain: 'domain',
  cookieName: 'cookie_name',
  cookieDomain: 'cookie_domain',
  cookiePath: 'cookie_path',
  idleTimeout: 'idle_timeout',
  downloadTracking: 'download_tracking',
  outgoingTracking: 'outgoing_tracking',
  clickTracking: 'click_tracking',
  outgoingIgnoreSubdomain: 'outgoing_ignore_subdomain',
  ignoreQueryUrl: 'ignore_query_url',
  hideCampaign: 'hide_campaign'
}

/** A setting's value as Woopra should get it, or undefined when it is empty or unusable (then Woopra's own applies). */
function optionValue(key: keyof Settings, value: unknown): unknown {
  switch (destinationSettings[key].type) {
    case 'string':
      return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
    case 'number': {
      // Settings may arrive as digits; a duration must be a positive number of milliseconds.
      const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
      return typeof number === 'number' && Number.isFinite(number) && number > 0 ? number : undefined
    }
    default:
      return typeof value === 'boolean' ? value : undefined
  }
}

/**
 * The `woopra.config(name, value)` calls for the settings: every option, with the classic default where the setting is
 * absent, as Segment's classic integration sent them; an empty value (`''`, null) sends nothing.
 */
export function configCalls(given: Partial<Settings>): Array<[string, unknown]> {
  const calls: Array<[string, unknown]> = []
  for (const key of Object.keys(WOOPRA_OPTION_NAMES) as Array<keyof Settings>) {
    const value = optionValue(key, given[key] === undefined ? destinationSettings[key].default : given[key])
    if (value !== undefined) calls.push([WOOPRA_OPTION_NAMES[key], value])
  }
  return calls
}

export function applySettings(tracker: WoopraTracker, given: Partial<Settings>): void {
  for (const [name, value] of configCalls(given)) tracker.config(name, value)
}
