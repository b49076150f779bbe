// The Woopra cookie plugin as Segment's CDN serves a web destination (see woopra-web.ts beside this file).
import factory from '../../../browser-destinations/woopra-plugins/src'
;(window as unknown as Record<string, unknown>)['woopra-pluginsDestination'] = factory
