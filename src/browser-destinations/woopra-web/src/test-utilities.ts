import type { JSONValue } from '@segment/actions-core'
import { Analytics, Context } from '@segment/analytics-next'
import type { Plugin } from '@segment/analytics-next'
import type { PluginFactory, Subscription } from '@segment/browser-destination-runtime/types'

// Test helpers, kept out of __tests__ (as heap-web keeps its own) so that Jest does not run them as a test file.
// A recording stand-in for Woopra's tracker, for tests without a browser: an object whose every method records its
// call and returns itself (as the live tracker does), and a stand-in for w.js that behaves as the real script does
// when it runs: it replaces each registered stub with a live instance, replays the queued `config` calls, writes the
// cookie, marks itself loaded, then replays the other queued calls a moment later.

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
]

/** A call the tracker received: method name, then its arguments. */
export type RecordedCall = [string, ...unknown[]]

export interface RecordingTracker {
  loaded: boolean
  cookie?: string
  calls: RecordedCall[]
  [method: string]: unknown
}

/** A live tracker that records every call. */
export function recordingTracker(cookie?: string): RecordingTracker {
  const tracker: RecordingTracker = { loaded: true, cookie, calls: [] }
  for (const method of TRACKER_METHODS) {
    tracker[method] = (...args: unknown[]) => {
      tracker.calls.push([method, ...args])
      return tracker
    }
  }
  return tracker
}

/** What the stand-in w.js does when it runs in the page. Runs as page script text, so it uses nothing from outside. */
function startStandInTracker(cookieValue: string) {
  type Call = [string, ...unknown[]]
  type Tracker = Record<string, unknown> & { calls: Call[] }
  const page = window as unknown as Record<string, unknown>
  const registry = (page._w || page.__woo) as Record<string, { _e?: Call[] }> | undefined
  if (!registry) return
  const methods = [
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
  ]
  for (const name of Object.keys(registry)) {
    const queue: Call[] = registry[name]?._e ?? []
    const options: Record<string, unknown> = {}
    const tracker: Tracker = { loaded: false, calls: [] }
    const record = (method: string, args: unknown[]) => {
      tracker.calls.push([method, ...args])
      if (method === 'config' && typeof args[0] === 'string') options[args[0]] = args[1]
      return tracker
    }
    for (const method of methods) tracker[method] = (...args: unknown[]) => record(method, args)
    page[name] = tracker
    for (const [method, ...args] of queue) if (method === 'config') record(method, args)
    tracker.cookie = cookieValue
    document.cookie = `${String(options.cookie_name ?? 'wooTracker')}=${cookieValue}; path=${String(
      options.cookie_path ?? '/'
    )}`
    setTimeout(() => {
      for (const [method, ...args] of queue) if (method !== 'config') record(method, args)
    }, 1)
    tracker.loaded = true
  }
}

/** The text of the stand-in w.js, writing the given cookie value. */
export function standInTrackerScript(cookieValue: string): string {
  return `(${startStandInTracker.toString()})(${JSON.stringify(cookieValue)})`
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

/** The plugins a destination factory builds for these settings and subscriptions. */
export async function createPlugins(
  factory: PluginFactory,
  settings: Record<string, unknown>,
  subscriptions: Subscription[]
): Promise<Plugin[]> {
  // Runtime 1.6.0 types the settings as JSON and the result as one plugin or several; it always returns a list.
  return (await factory({ ...settings, subscriptions } as unknown as JSONValue)) as Plugin[]
}

/**
 * Puts a recording tracker on the page (as if Woopra's script had already run), then builds and loads the plugins:
 * the destination configures that tracker and hands it to every action.
 */
export async function pluginsWithTracker(
  factory: PluginFactory,
  subscriptions: Subscription[],
  settings: Record<string, unknown> = { domain: 'example.com' }
): Promise<{ plugins: Plugin[]; tracker: RecordingTracker; analytics: Analytics }> {
  const tracker = recordingTracker('Zx81Qa7Lm0Pw')
  ;(window as unknown as { woopra: RecordingTracker }).woopra = tracker
  const plugins = await createPlugins(factory, settings, subscriptions)
  const analytics = new Analytics({ writeKey: 'w_123' })
  for (const plugin of plugins) await plugin.load(Context.system(), analytics)
  // Only what the actions do is of interest: forget the configuration.
  tracker.calls.length = 0
  return { plugins, tracker, analytics }
}
