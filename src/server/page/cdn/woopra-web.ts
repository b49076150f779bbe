// Woopra Web (Actions) as Segment's CDN serves a web destination: a script that sets `window['<folder>Destination']` to
// the plugin factory (the monorepo's webpack `library: '[name]Destination'`), which analytics-next looks up by the
// remote plugin's `libraryName`.
import factory from '../../../browser-destinations/woopra-web/src'
;(window as unknown as Record<string, unknown>)['woopra-webDestination'] = factory
