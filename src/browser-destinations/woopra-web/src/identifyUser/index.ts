import type { BrowserActionDefinition } from '@segment/browser-destination-runtime/types'
import type { Settings } from '../generated-types'
import { requireTracker } from '../woopra-tracker'
import type { WoopraTracker } from '../woopra-tracker'
import type { Payload } from './generated-types'
import { leftToCloud } from '../tracker-coverage'
import { dateAsEpochMs } from '../dates'
import { asText, pathOrElse } from '../mappings'

const action: BrowserActionDefinition<Settings, WoopraTracker, Payload> = {
  title: 'Identify User',
  description:
    "Update the visitor's profile in Woopra with the user ID and traits, sent at once (`woopra.identify(…).push()`).",
  platform: 'web',
  defaultSubscription: 'type = "identify"',
  fields: {
    user_id: {
      label: 'User ID',
      description:
        'The unique identifier of the user, sent as the visitor property `id`, the highest-ranking in Woopra.',
      type: 'string',
      default: { '@path': '$.userId' }
    },
    traits: {
      label: 'Visitor Properties',
      description:
        'Traits of the visitor, each stored as a Woopra visitor property. Dates (ISO-8601 date-times) are sent as milliseconds since the Unix epoch.',
      type: 'object',
      defaultObjectUI: 'keyvalue',
      default: { '@path': '$.traits' }
    },
    name: {
      label: 'Name',
      description: 'The full name of the visitor, sent as `name`. When empty, first and last name are joined.',
      type: 'string',
      default: { '@path': '$.traits.name' }
    },
    first_name: {
      label: 'First Name',
      description: 'The first name of the visitor, used for `name` when no full name is given.',
      type: 'string',
      default: pathOrElse('$.traits.firstName', '$.traits.first_name')
    },
    last_name: {
      label: 'Last Name',
      description: 'The last name of the visitor, used for `name` when no full name is given.',
      type: 'string',
      default: pathOrElse('$.traits.lastName', '$.traits.last_name')
    }
  },
  perform: (woopra, { payload, context }) => {
    // The cookie plugin left this event to the cloud destination, which sends it: not twice.
    if (leftToCloud(context.event)) return
    requireTracker(woopra)
    const visitor: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(payload.traits ?? {})) visitor[key] = dateAsEpochMs(value)
    if (payload.user_id) visitor.id = payload.user_id
    const name =
      asText(payload.name) || [asText(payload.first_name), asText(payload.last_name)].filter(Boolean).join(' ')
    if (name) visitor.name = name
    // identify() only stores the properties; push() sends them to Woopra now rather than with the next event.
    woopra.identify(visitor)
    woopra.push()
  }
}

export default action
