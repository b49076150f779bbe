import { defaultValues } from '@segment/actions-core'
import type { JSONValue } from '@segment/actions-core'
import { Analytics, Context } from '@segment/analytics-next'
import type { Plugin } from '@segment/analytics-next'
import type { Subscription } from '@segment/browser-destination-runtime/types'
import woopraWebDestination, { destination } from './index'
import { recordCalls, TRACKER_METHODS } from './woopra-tracker'
import type { Recording } from './woopra-tracker'

// Test helpers, kept out of __tests__ (as heap-web keeps its own) so that Jest does not run them as a test file.
// A recording stand-in for Woopra's tracker, for tests without a browser: an object whose every method records its
// call and returns itself (as the live tracker does), and a stand-in for w.js that behaves as the real script does
// when it runs: it replaces each registered stub with a live instance, replays the queued `config` calls, writes the
// cookie, marks itself loaded, then replays the other queued calls a moment later.

/** A call the tracker received: method name, then its arguments. */
export type RecordedCall = [string, ...unknown[]]

export type RecordingTracker = Recording<{ loaded: boolean; cookie?: string; calls: RecordedCall[] }>

/** A live tracker that records every call. */
export function recordingTracker(cookie?: string): RecordingTracker {
  const calls: RecordedCall[] = []
  return recordCalls({ loaded: true, cookie, calls }, calls)
}

/**
 * The stand-in w.js, as the text of a function of the cookie value and the tracker's method names (it runs as page
 * script, so it uses nothing from outside). Kept as text rather than a function turned into text: coverage
 * instrumentation would put its counters into such a function, and they do not exist in the page.
 */
const STAND_IN_TRACKER_SOURCE = `(cookieValue, methods) => {
  const registry = window._w || window.__woo
  if (!registry) return
  for (const name of Object.keys(registry)) {
    const queue = registry[name]?._e ?? []
    const options = {}
    const tracker = { loaded: false, calls: [] }
    const record = (method, args) => {
      tracker.calls.push([method, ...args])
      if (method === 'config' && typeof args[0] === 'string') options[args[0]] = args[1]
      return tracker
    }
    for (const method of methods) tracker[method] = (...args) => record(method, args)
    window[name] = tracker
    for (const [method, ...args] of queue) if (method === 'config') record(method, args)
    tracker.cookie = cookieValue
    const cookieName = String(options.cookie_name ?? 'wooTracker')
    document.cookie = cookieName + '=' + cookieValue + '; path=' + String(options.cookie_path ?? '/')
    setTimeout(() => {
      for (const [method, ...args] of queue) if (method !== 'config') record(method, args)
    }, 1)
    tracker.loaded = true
  }
}`

/** The text of the stand-in w.js, writing the given cookie value. */
export function standInTrackerScript(cookieValue: string): string {
  return `(${STAND_IN_TRACKER_SOURCE})(${JSON.stringify(cookieValue)}, ${JSON.stringify(TRACKER_METHODS)})`
}

/** The tracker now on the page (the stub, the stand-in or a recording tracker). */
export function pageTracker(): RecordingTracker & { _e?: RecordedCall[] } {
  return (window as unknown as { woopra: RecordingTracker & { _e?: RecordedCall[] } }).woopra
}

/** Removes every Woopra global and cookie, and leaves one script tag (loadScript inserts before the first). */
export function resetPage(): void {
  const page = window as unknown as Record<string, unknown>
  delete page.woopra
  delete page.__woo
  delete page._w
  for (const entry of document.cookie.split(';')) {
    const name = entry.split('=')[0].trim()
    if (name) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`
  }
  document.head.innerHTML = ''
  document.body.innerHTML = ''
  document.head.appendChild(document.createElement('script'))
}

/** The plugins the destination builds for these settings and subscriptions. */
export async function createPlugins(
  settings: Record<string, unknown>,
  subscriptions: Subscription[]
): Promise<Plugin[]> {
  // The factory types its settings as JSON. It always returns a list, but runtime 1.6.0 types the result as one plugin
  // or several: flat() gives a list under both that version and the monorepo's own, with no cast.
  return [await woopraWebDestination({ ...settings, subscriptions } as unknown as JSONValue)].flat()
}

/** A subscription to one action with its default mapping, as Segment makes one of an automatic preset. */
export function actionSubscription(
  partnerAction: keyof typeof destination.actions,
  name: string,
  subscribe: string
): Subscription {
  return {
    partnerAction,
    name,
    enabled: true,
    subscribe,
    mapping: defaultValues(destination.actions[partnerAction].fields)
  }
}

/**
 * Puts a recording tracker on the page (as if Woopra's script had already run), then builds and loads the plugins:
 * the destination configures that tracker and hands it to every action.
 */
export async function pluginsWithTracker(
  subscriptions: Subscription[],
  settings: Record<string, unknown> = { domain: 'example.com' }
): Promise<{ plugins: Plugin[]; tracker: RecordingTracker; analytics: Analytics }> {
  const tracker = recordingTracker('Zx81Qa7Lm0Pw')
  ;(window as unknown as { woopra: RecordingTracker }).woopra = tracker
  const plugins = await createPlugins(settings, subscriptions)
  const analytics = new Analytics({ writeKey: 'w_123' })
  for (const plugin of plugins) await plugin.load(Context.system(), analytics)
  // Only what the actions do is of interest: forget the configuration.
  tracker.calls.length = 0
  return { plugins, tracker, analytics }
}
