// Generated file. DO NOT MODIFY IT BY HAND.

export interface Settings {
  /**
   * The name of the cookie Woopra's browser tracker keeps the visitor's device identifier in (its `cookie_name` option).
   */
  cookieName?: string
}
