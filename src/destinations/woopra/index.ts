import { defaultValues, InvalidAuthenticationError } from '@segment/actions-core'
import type { DestinationDefinition } from '@segment/actions-core'
import type { Settings } from './generated-types'
import identifyUser from './identifyUser'
import trackEvent from './trackEvent'
import trackPageView from './trackPageView'
import { projectProblem } from './woopra-request'
import { unlessSentByTracker } from './sent-by-tracker'

const destination: DestinationDefinition<Settings> = {
  name: 'Woopra (Actions)',
  slug: 'actions-woopra',
  mode: 'cloud',
  description:
    "Send Segment identify, track and page events to Woopra's HTTP Tracking API, so that visitor profiles, custom events and page views appear in Woopra's customer journey analytics with the same identity as the Woopra browser tracker.",
  authentication: {
    scheme: 'custom',
    fields: {
      project: {
        label: 'Project',
        description:
          'Your Woopra project name: the domain registered in Woopra, for example `example.com`, without `https://` or a path.',
        type: 'string',
        required: true
      },
      ignoreQueryUrl: {
        label: 'Ignore Query In URLs',
        description:
          "Page views send the page's path without its query string as `ce_url`, as Woopra's browser tracker does with `ignore_query_url`, the default of Woopra Web (Actions). Set it as in Woopra Web (Actions) or your Woopra snippet, so that a page is one URL in Woopra's reports. The full URL is always sent as `ce_uri`.",
        type: 'boolean',
        default: true
      }
    },
    // Woopra's tracking API has no credential and nothing to read, so the project is checked for its shape only.
    testAuthentication: (_request, { settings }) => {
      const problem = projectProblem(settings.project)
      if (problem) throw new InvalidAuthenticationError(problem)
      return true
    }
  },
  presets: [
    {
      name: 'Track Calls',
      subscribe: unlessSentByTracker('track'),
      partnerAction: 'trackEvent',
      mapping: defaultValues(trackEvent.fields),
      type: 'automatic'
    },
    {
      name: 'Identify Calls',
      subscribe: unlessSentByTracker('identify'),
      partnerAction: 'identifyUser',
      mapping: defaultValues(identifyUser.fields),
      type: 'automatic'
    },
    {
      name: 'Page Calls',
      subscribe: unlessSentByTracker('page'),
      partnerAction: 'trackPageView',
      mapping: defaultValues(trackPageView.fields),
      type: 'automatic'
    },
    {
      // The cookie plugin's action (woopra-plugins, registered under this destination's id): on for every analytics.js
      // source, as Amplitude (Actions) turns on its session plugin, so events carry the visitor's Woopra cookie.
      name: 'Woopra Browser Cookie',
      subscribe: 'type = "track" or type = "identify" or type = "group" or type = "page" or type = "alias"',
      partnerAction: 'woopraCookie',
      mapping: {},
      type: 'automatic'
    }
  ],
  actions: {
    identifyUser,
    trackEvent,
    trackPageView
  }
}

export default destination
