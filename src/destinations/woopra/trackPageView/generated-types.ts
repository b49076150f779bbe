// Generated file. DO NOT MODIFY IT BY HAND.

export interface Payload {
  /**
   * The Woopra device identifier, sent as `cookie`. By default `integrations.Woopra.cookie`, when it is a non-empty string: to join server-side events to a browser visit, pass the browser tracker's cookie (`woopra.cookie`) there. When this field is empty or only whitespace, the Anonymous ID is sent instead.
   */
  cookie?: string
  /**
   * The Segment anonymous ID, sent as `cookie` when the Cookie field is empty or only whitespace (including when `integrations.Woopra` is `false`, or its `cookie` is not a non-empty string).
   */
  anonymous_id?: string
  /**
   * The unique identifier of the user, sent as `cv_id`, the highest-ranking identifier in Woopra. A value of only whitespace counts as empty.
   */
  user_id?: string
  /**
   * The email address of the visitor, sent to Woopra as `cv_email`. Woopra uses it as an identifier, after the user ID. A value of only whitespace counts as empty.
   */
  email?: string
  /**
   * When the event happened, sent as `timestamp` in milliseconds since the Unix epoch. A time in the future is sent as the current time, since Woopra does not accept future events; a time before 1970 fails the event (a PayloadValidationError, not retried).
   */
  timestamp?: string | number
  /**
   * How long, in milliseconds, the visit stays online after this event, sent as `timeout`: a whole number from 1 to 86400000 (24 hours), as a number or as digits. When empty, and in place of anything else (zero, a negative or fractional number, more than 24 hours, other text), 60000 (one minute) is sent; the event is sent either way. By default `context.Woopra.timeout`, passed as JSON text so that no value of it can fail the event.
   */
  timeout?: string
  /**
   * The IP address of the visitor, sent as `ip` so that Woopra locates the visitor rather than Segment.
   */
  ip?: string
  /**
   * The visitor's user agent, sent as the request's User-Agent header. Woopra derives the browser, operating system and device from it. Characters beyond printable ASCII are percent-encoded as UTF-8, and the header is cut between characters at 1,024 bytes (real user agents are far shorter), so that it never costs the event.
   */
  user_agent?: string
  /**
   * The URL that referred the visitor, sent as `referer` (spelled as Woopra spells it). Woopra derives the referrer type and search terms from it.
   */
  referrer?: string
  /**
   * The visitor's language or locale, for example `en-US`, sent as `language`.
   */
  language?: string
  /**
   * Properties of the current visit (session), each sent as `cs_<key>`. They are stored on the visit, not on the visitor profile.
   */
  visit_properties?: {
    [k: string]: unknown
  }
  /**
   * The full URL of the page. Woopra receives its path as `ce_url` (with the query only when the Ignore Query In URLs setting is off), the full URL as `ce_uri` and its host as `ce_domain`, as from its browser tracker.
   */
  page_url?: string
  /**
   * The name of the page. With the page category it becomes the title Woopra shows, `ce_title`.
   */
  page_name?: string
  /**
   * The category of the page, put before the page name in `ce_title` (as "category name").
   */
  page_category?: string
  /**
   * The document title of the page, sent as `ce_title` when the page has no name.
   */
  page_title?: string
  /**
   * Other properties of the page view, each sent as `ce_<key>`.
   */
  properties?: {
    [k: string]: unknown
  }
}
