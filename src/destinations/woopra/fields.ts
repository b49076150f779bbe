import type { InputField } from '@segment/actions-core'

// Fields every Woopra action shares: who the visitor is and the context of the visit.
// Each action spreads these into its own fields; only `email` changes its default per action.

/**
 * The value at `path` as text when it is a string, number or boolean; `''` for anything else (objects, arrays, null,
 * nothing). `@replace` with a pattern replaced by itself changes no text, and unlike `@if blank` (which compares with
 * `!= ''`) it never converts an object: an object whose `toString` or `valueOf` key is not a function (legal JSON)
 * would make that comparison throw a TypeError.
 */
function scalarText(path: string) {
  return { '@replace': { pattern: '_', replacement: '_', ignorecase: false, global: true, value: { '@path': path } } }
}

/**
 * A default mapping: the value at `path` when the event has one, else the value at `fallbackPath`. `blank` rather than
 * `exists`: `exists` holds for `''`, `false` and `0` too, which would hide the fallback. `@if blank` is applied only
 * once `scalarText` has found a string, number or boolean there; an object or array reads the fallback.
 */
export function pathOrElse(path: string, fallbackPath: string) {
  const fallback = { '@path': fallbackPath }
  return {
    '@if': {
      blank: scalarText(path),
      then: { '@if': { blank: { '@path': path }, then: { '@path': path }, else: fallback } },
      else: fallback
    }
  }
}

/**
 * The default cookie: `integrations.Woopra.cookie` only when it is a non-empty string, else nothing (the Anonymous ID
 * field is the fallback). `@if exists` is not enough: for `integrations: { Woopra: false }` (or `0`) the path's lookup
 * returns `false` itself, which the framework turns into the text "false". `scalarText` leaves strings, numbers and
 * booleans; of those, the path's `length` is blank for all but a non-empty string (numbers and booleans have none).
 */
const INTEGRATION_COOKIE = '$.integrations.Woopra.cookie'
const integrationCookie = {
  '@if': {
    blank: scalarText(INTEGRATION_COOKIE),
    then: { '@if': { blank: { '@path': `${INTEGRATION_COOKIE}.length` }, then: { '@path': INTEGRATION_COOKIE } } }
  }
}

export const email: InputField = {
  label: 'Email',
  description:
    'The email address of the visitor, sent to Woopra as `cv_email`. Woopra uses it as an identifier, after the user ID. A value of only whitespace counts as empty.',
  type: 'string',
  default: pathOrElse('$.properties.email', '$.context.traits.email')
}

export const commonFields: Record<string, InputField> = {
  cookie: {
    label: 'Cookie',
    description:
      "The Woopra device identifier, sent as `cookie`. By default `integrations.Woopra.cookie`, when it is a non-empty string: to join server-side events to a browser visit, pass the browser tracker's cookie (`woopra.cookie`) there. When this field is empty or only whitespace, the Anonymous ID is sent instead.",
    type: 'string',
    default: integrationCookie
  },
  anonymous_id: {
    label: 'Anonymous ID',
    description:
      'The Segment anonymous ID, sent as `cookie` when the Cookie field is empty or only whitespace (including when `integrations.Woopra` is `false`, or its `cookie` is not a non-empty string).',
    type: 'string',
    default: { '@path': '$.anonymousId' }
  },
  user_id: {
    label: 'User ID',
    description:
      'The unique identifier of the user, sent as `cv_id`, the highest-ranking identifier in Woopra. A value of only whitespace counts as empty.',
    type: 'string',
    default: { '@path': '$.userId' }
  },
  email,
  timestamp: {
    label: 'Timestamp',
    description:
      'When the event happened, sent as `timestamp` in milliseconds since the Unix epoch. A time in the future is sent as the current time, since Woopra does not accept future events; a time before 1970 fails the event (a PayloadValidationError, not retried).',
    type: 'datetime',
    default: { '@path': '$.timestamp' }
  },
  timeout: {
    label: 'Visit Timeout',
    description:
      'How long, in milliseconds, the visit stays online after this event, sent as `timeout`: a whole number from 1 to 86400000 (24 hours), as a number or as digits. When empty, and in place of anything else (zero, a negative or fractional number, more than 24 hours, other text), 60000 (one minute) is sent; the event is sent either way. By default `context.Woopra.timeout`, passed as JSON text so that no value of it can fail the event.',
    type: 'string',
    default: { '@json': { mode: 'encode', value: { '@path': '$.context.Woopra.timeout' } } }
  },
  ip: {
    label: 'IP Address',
    description: 'The IP address of the visitor, sent as `ip` so that Woopra locates the visitor rather than Segment.',
    type: 'string',
    default: { '@path': '$.context.ip' }
  },
  user_agent: {
    label: 'User Agent',
    description:
      "The visitor's user agent, sent as the request's User-Agent header. Woopra derives the browser, operating system and device from it. Characters beyond printable ASCII are percent-encoded as UTF-8, and the header is cut between characters at 1,024 bytes (real user agents are far shorter), so that it never costs the event.",
    type: 'string',
    default: { '@path': '$.context.userAgent' }
  },
  referrer: {
    label: 'Referrer',
    description:
      'The URL that referred the visitor, sent as `referer` (spelled as Woopra spells it). Woopra derives the referrer type and search terms from it.',
    type: 'string',
    default: { '@path': '$.context.page.referrer' }
  },
  language: {
    label: 'Language',
    description: "The visitor's language or locale, for example `en-US`, sent as `language`.",
    type: 'string',
    default: { '@path': '$.context.locale' }
  },
  visit_properties: {
    label: 'Visit Properties',
    description:
      'Properties of the current visit (session), each sent as `cs_<key>`. They are stored on the visit, not on the visitor profile.',
    type: 'object',
    defaultObjectUI: 'keyvalue'
  }
}
