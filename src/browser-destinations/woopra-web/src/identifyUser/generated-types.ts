// Generated file. DO NOT MODIFY IT BY HAND.

export interface Payload {
  /**
   * The unique identifier of the user, sent as the visitor property `id`, the highest-ranking in Woopra.
   */
  user_id?: string
  /**
   * Traits of the visitor, each stored as a Woopra visitor property. Dates (ISO-8601 date-times) are sent as milliseconds since the Unix epoch.
   */
  traits?: {
    [k: string]: unknown
  }
  /**
   * The full name of the visitor, sent as `name`. When empty, first and last name are joined.
   */
  name?: string
  /**
   * The first name of the visitor, used for `name` when no full name is given.
   */
  first_name?: string
  /**
   * The last name of the visitor, used for `name` when no full name is given.
   */
  last_name?: string
}
