// Generated file. DO NOT MODIFY IT BY HAND.

export interface Settings {
  /**
   * Your Woopra project name: the domain registered in Woopra, for example `example.com`, without `https://` or a path.
   */
  project: string
}
