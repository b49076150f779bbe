// Generated file. DO NOT MODIFY IT BY HAND.

export interface Payload {
  /**
   * The name of the event in Woopra.
   */
  event_name: string
  /**
   * Properties of the event, each stored by Woopra as an event property.
   */
  properties?: {
    [k: string]: unknown
  }
}
