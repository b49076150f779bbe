import type { ActionDefinition } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import type { Payload } from './generated-types'
import { commonFields, email, pathOrElse } from '../fields'
import { sendToWoopra } from '../woopra-request'
import { unlessSentByTracker } from '../sent-by-tracker'

const action: ActionDefinition<Settings, Payload> = {
  title: 'Identify User',
  description: "Update the visitor's profile in Woopra with their traits, without tracking an event.",
  defaultSubscription: unlessSentByTracker('identify'),
  fields: {
    ...commonFields,
    email: { ...email, default: { '@path': '$.traits.email' } },
    traits: {
      label: 'Visitor Properties',
      description: 'Traits of the visitor, each sent as a Woopra visitor property `cv_<key>`.',
      type: 'object',
      defaultObjectUI: 'keyvalue',
      default: { '@path': '$.traits' }
    },
    name: {
      label: 'Name',
      description: 'The full name of the visitor, sent as `cv_name`. When empty, first and last name are joined.',
      type: 'string',
      default: { '@path': '$.traits.name' }
    },
    first_name: {
      label: 'First Name',
      description: 'The first name of the visitor, used for `cv_name` when no full name is given.',
      type: 'string',
      default: pathOrElse('$.traits.firstName', '$.traits.first_name')
    },
    last_name: {
      label: 'Last Name',
      description: 'The last name of the visitor, used for `cv_name` when no full name is given.',
      type: 'string',
      default: pathOrElse('$.traits.lastName', '$.traits.last_name')
    }
  },
  perform: (request, { settings, payload }) => {
    const fullName = payload.name || [payload.first_name, payload.last_name].filter(Boolean).join(' ')
    return sendToWoopra(request, settings, payload, {
      endpoint: 'identify',
      parameters: { cv_name: fullName },
      visitorProperties: payload.traits
    })
  }
}

export default action
