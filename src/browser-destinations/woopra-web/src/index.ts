import type {
  BrowserDestinationDefinition,
  BrowserDestinationDependencies
} from '@segment/browser-destination-runtime/types'
import { browserDestination } from '@segment/browser-destination-runtime/shim'
import type { Settings } from './generated-types'
import { applySettings, destinationSettings } from './settings'
import { defaultMapping } from './mappings'
import { installStub, TRACKER_SCRIPT_URL, unavailableTracker, woopraGlobals } from './woopra-tracker'
import { publishCoverage } from './tracker-coverage'
import type { WoopraTracker } from './woopra-tracker'
import identifyUser from './identifyUser'
import trackEvent from './trackEvent'
import trackPageView from './trackPageView'

/** How often to look whether w.js has replaced the stub, and how long to wait after the script has loaded. */
const POLL_INTERVAL_MS = 100
const START_DEADLINE_MS = 10000

/** The tracker script loaded but never replaced the stub. (An Error of its own: see mappings.ts on actions-core.) */
export class TrackerNotStartedError extends Error {
  name = 'TrackerNotStartedError'
}

/**
 * Waits until w.js has replaced the stub with a live tracker (`loaded`). w.js starts as it runs, before its load event,
 * so this is normally immediate; a script that loads but never starts (a blocker's empty stand-in) fails the load.
 */
async function trackerStarted(deps: BrowserDestinationDependencies): Promise<WoopraTracker> {
  const deadline = Date.now() + START_DEADLINE_MS
  await deps.resolveWhen(() => woopraGlobals().woopra?.loaded === true || Date.now() > deadline, POLL_INTERVAL_MS)
  const tracker = woopraGlobals().woopra
  if (tracker?.loaded !== true) {
    throw new TrackerNotStartedError(`Woopra's tracker (${TRACKER_SCRIPT_URL}) loaded but did not start.`)
  }
  return tracker
}

/** The live tracker: the page's own if it runs one, else w.js loaded as Woopra's snippet loads it. */
async function startTracker(settings: Settings, deps: BrowserDestinationDependencies): Promise<WoopraTracker> {
  const onPage = woopraGlobals().woopra
  // The page already runs Woopra's tracker (its own snippet): configure it rather than load a second one.
  if (onPage?.loaded === true) {
    applySettings(onPage, settings)
    return onPage
  }
  // As Woopra's snippet: queue the settings on a stub, which w.js replays before it sets up its cookie.
  applySettings(installStub(), settings)
  try {
    await deps.loadScript(TRACKER_SCRIPT_URL)
    // w.js replaces window.woopra: the stub would queue calls nobody reads, so the actions get the live instance.
    return await trackerStarted(deps)
  } catch (error) {
    // A rejected load would leave each action's load promise rejected with no handler (analytics-next): one page
    // error per action. Woopra Web fails alone instead, with one warning; the actions then send nothing.
    const reason = error instanceof Error ? error.message : `Woopra's tracker (${TRACKER_SCRIPT_URL}) failed to load.`
    console.warn(`Woopra Web (Actions) is off on this page: ${reason}`)
    return unavailableTracker(reason)
  }
}

export const destination: BrowserDestinationDefinition<Settings, WoopraTracker> = {
  name: 'Woopra Web (Actions)',
  slug: 'actions-woopra-web',
  mode: 'device',
  description:
    "Send Segment page, identify and track calls to Woopra through Woopra's own JavaScript tracker, which also tracks downloads, outgoing links and clicks and shows the visitor live in Woopra.",
  settings: destinationSettings,
  presets: [
    {
      name: 'Page Calls',
      subscribe: 'type = "page"',
      partnerAction: 'trackPageView',
      mapping: defaultMapping(trackPageView.fields),
      type: 'automatic'
    },
    {
      name: 'Identify Calls',
      subscribe: 'type = "identify"',
      partnerAction: 'identifyUser',
      mapping: defaultMapping(identifyUser.fields),
      type: 'automatic'
    },
    {
      name: 'Track Calls',
      subscribe: 'type = "track"',
      partnerAction: 'trackEvent',
      mapping: defaultMapping(trackEvent.fields),
      type: 'automatic'
    }
  ],
  initialize: ({ settings }, deps) => {
    const started = startTracker(settings, deps)
    // At once, before w.js has loaded: the cookie plugin asks about every event, the first ones included.
    publishCoverage(destination as BrowserDestinationDefinition<Settings, unknown>, settings, started)
    return started
  },
  actions: {
    trackPageView,
    identifyUser,
    trackEvent
  }
}

export default browserDestination(destination)
