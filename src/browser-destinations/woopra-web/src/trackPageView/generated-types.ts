// Generated file. DO NOT MODIFY IT BY HAND.

export interface Payload {
  /**
   * The full URL of the page. Woopra receives its path as `url` (with the query only when the Ignore Query In URLs setting is off), the full URL as `uri` and its host as `domain`, as the tracker sends them for its own page views.
   */
  page_url?: string
  /**
   * The name of the page. With the page category it becomes the `title` Woopra shows.
   */
  page_name?: string
  /**
   * The category of the page, put before the page name in `title` (as "category name").
   */
  page_category?: string
  /**
   * The document title of the page, sent as `title` when the page has no name.
   */
  page_title?: string
  /**
   * Other properties of the page view (path, referrer, search, ...), each stored as an event property.
   */
  properties?: {
    [k: string]: unknown
  }
}
