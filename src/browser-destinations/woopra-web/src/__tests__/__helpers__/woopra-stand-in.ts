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
  /* eslint-disable @typescript-eslint/no-explicit-any -- page script over untyped globals */
  const page = window as any
  const registry = page._w || page.__woo
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
    const queue: any[][] = (registry[name] && registry[name]._e) || []
    const options: Record<string, any> = {}
    const tracker: any = { loaded: false, calls: [] }
    for (const method of methods) {
      tracker[method] = (...args: any[]) => {
        tracker.calls.push([method, ...args])
        if (method === 'config' && typeof args[0] === 'string') options[args[0]] = args[1]
        return tracker
      }
    }
    page[name] = tracker
    for (const [method, ...args] of queue) if (method === 'config') tracker.config(...args)
    tracker.cookie = cookieValue
    document.cookie = `${options.cookie_name || 'wooTracker'}=${cookieValue}; path=${options.cookie_path || '/'}`
    setTimeout(() => {
      for (const [method, ...args] of queue) if (method !== 'config') tracker[method](...args)
    }, 1)
    tracker.loaded = true
  }
  /* eslint-enable @typescript-eslint/no-explicit-any */
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
