import type { BrowserActionDefinition } from '@segment/browser-destination-runtime/types'
import type { Settings } from '../generated-types'
import { requireTracker } from '../woopra-tracker'
import type { WoopraTracker } from '../woopra-tracker'
import type { Payload } from './generated-types'
import { leftToCloud } from '../tracker-coverage'

const action: BrowserActionDefinition<Settings, WoopraTracker, Payload> = {
  title: 'Track Event',
  description: "Track a custom event in Woopra with its properties, through Woopra's tracker (`woopra.track`).",
  platform: 'web',
  defaultSubscription: 'type = "track"',
  fields: {
    event_name: {
      label: 'Event Name',
      description: 'The name of the event in Woopra.',
      type: 'string',
      required: true,
      default: { '@path': '$.event' }
    },
    properties: {
      label: 'Event Properties',
      description: 'Properties of the event, each stored by Woopra as an event property.',
      type: 'object',
      defaultObjectUI: 'keyvalue',
      default: { '@path': '$.properties' }
    }
  },
  perform: (woopra, { payload, context }) => {
    // The cookie plugin left this event to the cloud destination, which sends it: not twice.
    if (leftToCloud(context.event)) return
    requireTracker(woopra)
    // Always an explicit options argument: with two arguments the tracker reads an object as its options, so a
    // property named `timeout`, `callback` or `queue` would change how Woopra tracks instead of being recorded.
    woopra.track(payload.event_name, { ...payload.properties }, {})
  }
}

export default action
