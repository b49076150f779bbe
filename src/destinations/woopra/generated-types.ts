// Generated file. DO NOT MODIFY IT BY HAND.

export interface Settings {
  /**
   * Your Woopra project name: the domain registered in Woopra, for example `example.com`, without `https://` or a path.
   */
  project: string
  /**
   * Page views send the page's path without its query string as `ce_url`, as Woopra's browser tracker does with `ignore_query_url`, the default of Woopra Web (Actions). Set it as in Woopra Web (Actions) or your Woopra snippet, so that a page is one URL in Woopra's reports. The full URL is always sent as `ce_uri`.
   */
  ignoreQueryUrl?: boolean
}
