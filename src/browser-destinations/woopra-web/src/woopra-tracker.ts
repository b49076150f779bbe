// Woopra's browser tracker (https://static.woopra.com/w.js) and the queueing stub its snippet installs before it loads.

/** Woopra's own script, as its current snippet loads it. */
export const TRACKER_SCRIPT_URL = 'https://static.woopra.com/w.js'

/** The global name of the tracker instance, as Woopra's snippet and Segment's classic integration use it. */
const INSTANCE_NAME = 'woopra'

/** The methods of the tracker that the snippet's stub queues until w.js replaces it. */
export const TRACKER_METHODS = [
  'call',
  'cancelAction',
  'config',
  'identify',
  'push',
  'track',
  'trackClick',
  'trackForm',
  'update',
  'visit'
] as const

/** The part of the live tracker this destination calls. */
export interface WoopraTracker {
  /** Set by w.js once the instance has replaced the stub and replayed its queue. */
  loaded?: boolean
  /** Only on the stand-in for a tracker that could not start: why (see `unavailableTracker`). */
  unavailable?: string
  /** The visitor's device identifier, also stored in the `wooTracker` cookie. */
  cookie?: string
  config(key: string, value: unknown): WoopraTracker
  track(eventName: string, properties: Record<string, unknown>, options: Record<string, unknown>): WoopraTracker
  identify(visitorProperties: Record<string, unknown>): WoopraTracker
  push(): WoopraTracker
}

/** The list's type, named so that its element type reads the same under every prettier version. */
type TrackerMethods = typeof TRACKER_METHODS

/** An object with every tracker method, each recording its call and returning the object, as the tracker chains. */
export type Recording<T> = T & Record<TrackerMethods[number], (...args: unknown[]) => Recording<T>>

/** The window globals the snippet and w.js share: w.js creates one tracker per name registered in `__woo` (or `_w`). */
interface WoopraGlobals {
  woopra?: WoopraTracker
  __woo?: Record<string, WoopraTracker>
  _w?: Record<string, WoopraTracker>
}

export function woopraGlobals(): WoopraGlobals {
  return window as unknown as WoopraGlobals
}

/** Gives `target` every tracker method, each appending `[method, ...args]` to `log` and returning `target`. */
export function recordCalls<T extends object>(target: T, log: unknown[][]): Recording<T> {
  const recording = target as Recording<T>
  for (const method of TRACKER_METHODS) {
    ;(recording as Record<string, unknown>)[method] = (...args: unknown[]) => {
      log.push([method, ...args])
      return recording
    }
  }
  return recording
}

function createStub(): WoopraTracker {
  const queue: unknown[][] = []
  return recordCalls({ _e: queue }, queue)
}

/**
 * Registers the tracker the way Woopra's snippet does: the instance already on the page, else a stub that queues
 * calls until w.js replaces it. w.js only creates instances for names registered in `__woo`, or in the legacy `_w`
 * when a page still has it, so the name goes into both.
 */
export function installStub(): WoopraTracker {
  const globals = woopraGlobals()
  const tracker = globals.woopra ?? createStub()
  globals.woopra = tracker
  globals.__woo = globals.__woo ?? {}
  globals.__woo[INSTANCE_NAME] = tracker
  if (globals._w) globals._w[INSTANCE_NAME] = tracker
  return tracker
}

/**
 * What the actions get when w.js could not be loaded or did not start (an ad blocker, a network error): a tracker that
 * does nothing, so that Woopra Web fails alone, with no error on the page and nothing queued that nobody reads.
 */
export function unavailableTracker(reason: string): WoopraTracker {
  const tracker = { loaded: false, unavailable: reason } as unknown as Record<string, unknown>
  for (const method of TRACKER_METHODS) tracker[method] = () => tracker
  return tracker as unknown as WoopraTracker
}

/** An action's event that Woopra Web could not send, because the tracker could not start. */
export class TrackerUnavailableError extends Error {
  name = 'TrackerUnavailableError'
}

/**
 * Fails the action when the tracker is the unavailable one. analytics-next records the error on the event's context
 * (a `plugin Error` log entry naming the action) and goes on: nothing reaches the console or the page.
 */
export function requireTracker(tracker: WoopraTracker): void {
  if (tracker.unavailable !== undefined) {
    throw new TrackerUnavailableError(`Woopra Web (Actions) sent nothing: ${tracker.unavailable}`)
  }
}
