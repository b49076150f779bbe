/*
 * What the development page tells of Woopra's tracker: whether the live tracker runs, and whether the `wooTracker`
 * cookie the page shows is the one it runs with. A cookie left from an earlier visit (or written by the cookie plugin)
 * proves nothing about this page's tracker: it is shown as confirmed only when the live tracker holds it.
 */

/** Woopra's script URLs in current use (its README and its snippet's source); the stand-in answers for both. */
export const WOOPRA_SCRIPT_URLS = ['https://static.woopra.com/w.js', 'https://static.woopra.com/js/w.js']

export type TrackerState = 'loading' | 'loaded' | 'failed'

interface PageTracker {
  loaded?: unknown
  cookie?: unknown
  _e?: unknown
}

function pageTracker(): PageTracker | undefined {
  const tracker = (window as unknown as { woopra?: unknown }).woopra
  return typeof tracker === 'object' && tracker !== null ? (tracker as PageTracker) : undefined
}

/**
 * The live tracker runs when `window.woopra` is no longer the snippet's stub (which has a queue, `_e`) and says it is
 * loaded; Woopra's script failed when the runtime's loadScript marked its element `status="error"`.
 */
export function trackerState(): TrackerState {
  const tracker = pageTracker()
  if (tracker && !('_e' in tracker) && tracker.loaded === true) return 'loaded'
  const failed = Array.from(document.querySelectorAll('script')).some(
    (script) => WOOPRA_SCRIPT_URLS.includes(script.src) && script.getAttribute('status') === 'error'
  )
  return failed ? 'failed' : 'loading'
}

/** The cookie pill: green only for the cookie the live tracker holds. */
export function cookieStatus(
  cookie: string | undefined,
  tracker: TrackerState
): { text: string; tone: 'ok' | 'warn' | 'bad' } {
  if (!cookie) return { text: 'wooTracker: —', tone: 'warn' }
  if (tracker === 'failed')
    return { text: `wooTracker: ${cookie} · not the tracker's (w.js failed to load)`, tone: 'warn' }
  if (tracker === 'loading') return { text: `wooTracker: ${cookie} · tracker not started yet`, tone: 'warn' }
  const held = pageTracker()?.cookie
  if (held !== cookie) return { text: `wooTracker: ${cookie} · the tracker holds ${String(held)}`, tone: 'bad' }
  return { text: `wooTracker: ${cookie}`, tone: 'ok' }
}
