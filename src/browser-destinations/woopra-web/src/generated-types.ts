// Generated file. DO NOT MODIFY IT BY HAND.

export interface Settings {
  /**
   * Your Woopra project name: the domain registered in Woopra, for example `example.com`, without `www.`. Sent as `domain`; without it Woopra guesses the project from the page host.
   */
  domain: string
  /**
   * The name of the cookie that holds the visitor's Woopra device identifier (`cookie_name`).
   */
  cookieName?: string
  /**
   * The domain the Woopra cookie is written for (`cookie_domain`), for example `.example.com` to share it across subdomains. When empty, Woopra's default applies: the page host without `www.`.
   */
  cookieDomain?: string
  /**
   * The path the Woopra cookie is written for (`cookie_path`).
   */
  cookiePath?: string
  /**
   * How long, in milliseconds, a visitor without activity stays online in Woopra (`idle_timeout`). Also sent as the `timeout` of every action.
   */
  idleTimeout?: number
  /**
   * Woopra tracks clicks on links to files (PDF, ZIP, ...) as `download` events by itself (`download_tracking`). On by default, as in Segment's classic integration; off by default in Woopra's own snippet.
   */
  downloadTracking?: boolean
  /**
   * Woopra tracks clicks on links to other sites as `outgoing` events by itself (`outgoing_tracking`). On by default, as in Segment's classic integration; off by default in Woopra's own snippet.
   */
  outgoingTracking?: boolean
  /**
   * Woopra tracks clicks on links and buttons as `button click` events by itself (`click_tracking`). On by default, as in Segment's classic integration; off by default in Woopra's own snippet.
   */
  clickTracking?: boolean
  /**
   * Links to subdomains of the site do not count as outgoing links (`outgoing_ignore_subdomain`).
   */
  outgoingIgnoreSubdomain?: boolean
  /**
   * Page views carry the page's path without its query string as `url` (`ignore_query_url`): the tracker's own page views and those this destination sends, as the Woopra (Actions) cloud destination's setting of the same name does. The full URL is always sent as `uri`.
   */
  ignoreQueryUrl?: boolean
  /**
   * After Woopra has read the `utm_` campaign parameters, remove them from the address bar (`hide_campaign`).
   */
  hideCampaign?: boolean
}
