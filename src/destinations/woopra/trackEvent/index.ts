import type { ActionDefinition } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import type { Payload } from './generated-types'
import { commonFields } from '../fields'
import { sendToWoopra } from '../woopra-request'
import { unlessSentByTracker } from '../sent-by-tracker'

const action: ActionDefinition<Settings, Payload> = {
  title: 'Track Event',
  description: 'Track a custom event in Woopra, with its properties and, optionally, visitor properties.',
  defaultSubscription: unlessSentByTracker('track'),
  fields: {
    ...commonFields,
    event_name: {
      label: 'Event Name',
      description: 'The name of the event, sent as `event`.',
      type: 'string',
      required: true,
      default: { '@path': '$.event' }
    },
    properties: {
      label: 'Event Properties',
      description: 'Properties of the event, each sent as `ce_<key>`.',
      type: 'object',
      defaultObjectUI: 'keyvalue',
      default: { '@path': '$.properties' }
    },
    visitor_properties: {
      label: 'Visitor Properties',
      description: "Properties to set on the visitor's profile with this event, each sent as `cv_<key>`.",
      type: 'object',
      defaultObjectUI: 'keyvalue'
    }
  },
  perform: (request, { settings, payload }) =>
    sendToWoopra(request, settings, payload, {
      endpoint: 'ce',
      event: payload.event_name,
      eventProperties: payload.properties,
      visitorProperties: payload.visitor_properties
    })
}

export default action
