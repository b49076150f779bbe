import type { BrowserDestinationDefinition } from '@segment/browser-destination-runtime/types'
import { browserDestination } from '@segment/browser-destination-runtime/shim'
import type { Settings } from './generated-types'
import woopraCookie, { DEFAULT_COOKIE_NAME } from './woopraCookie'

// The browser half of the cloud destination, as Segment pairs amplitude-plugins with Amplitude (Actions): the same
// name (and, once registered, the same metadata id), so its action appears among the cloud destination's actions.
export const destination: BrowserDestinationDefinition<Settings, {}> = {
  name: 'Woopra (Actions)',
  mode: 'device',
  settings: {
    cookieName: {
      label: 'Woopra Cookie Name',
      description:
        "The name of the cookie Woopra's browser tracker keeps the visitor's device identifier in (its `cookie_name` option).",
      type: 'string',
      default: DEFAULT_COOKIE_NAME
    },
    cookieDomain: {
      label: 'Woopra Cookie Domain',
      description:
        "The domain the Woopra cookie is written for when the browser has none yet (the tracker's `cookie_domain`), for example `.example.com` to share it across subdomains. Set it as in Woopra Web (Actions) or your Woopra snippet. When empty, Woopra's default applies: the page host without `www.`.",
      type: 'string'
    },
    cookiePath: {
      label: 'Woopra Cookie Path',
      description:
        "The path the Woopra cookie is written for when the browser has none yet (the tracker's `cookie_path`). Set it as in Woopra Web (Actions) or your Woopra snippet.",
      type: 'string',
      default: '/'
    }
  },
  actions: {
    woopraCookie
  },
  // Nothing to load: analytics waits for enrichment plugins to load, so this must never wait for anything.
  initialize: async () => ({})
}

export default browserDestination(destination)
