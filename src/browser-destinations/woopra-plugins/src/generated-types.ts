// Generated file. DO NOT MODIFY IT BY HAND.

export interface Settings {
  /**
   * The name of the cookie Woopra's browser tracker keeps the visitor's device identifier in (its `cookie_name` option).
   */
  cookieName?: string
  /**
   * The domain the Woopra cookie is written for when the browser has none yet (the tracker's `cookie_domain`), for example `.example.com` to share it across subdomains. Set it as in Woopra Web (Actions) or your Woopra snippet. When empty, Woopra's default applies: the page host without `www.`.
   */
  cookieDomain?: string
  /**
   * The path the Woopra cookie is written for when the browser has none yet (the tracker's `cookie_path`). Set it as in Woopra Web (Actions) or your Woopra snippet.
   */
  cookiePath?: string
}
