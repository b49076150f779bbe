import type { ActionInput, BrowserActionDefinition } from '@segment/browser-destination-runtime/types'
import type { Settings } from '../generated-types'
import type { Payload } from './generated-types'
import { markSender } from './sent-by'

/** The name Woopra's tracker gives its cookie unless configured otherwise. */
export const DEFAULT_COOKIE_NAME = 'wooTracker'

/** The value of a cookie of this page, or undefined when it is absent or empty. */
function readCookie(name: string): string | undefined {
  for (const entry of document.cookie.split(';')) {
    const separator = entry.indexOf('=')
    if (separator < 0 || entry.slice(0, separator).trim() !== name) continue
    const raw = entry.slice(separator + 1).trim()
    let value = raw
    try {
      value = decodeURIComponent(raw)
    } catch {
      // Not percent-encoded text: the cookie is kept as it was written.
    }
    if (value !== '') return value
  }
  return undefined
}

/** Only a non-empty string is a cookie: anything else on the event is replaced by the browser's. */
function carriesCookie(woopra: unknown): boolean {
  const cookie = (woopra as { cookie?: unknown } | undefined)?.cookie
  return typeof cookie === 'string' && cookie.trim() !== ''
}

/**
 * Whether the cookie may be added without changing where the event goes: a falsy `integrations.Woopra` (false, 0)
 * switches Woopra off for the event, and with `All: false` an added `Woopra` object would switch it on.
 */
function mayAddCookie(integrations: Record<string, unknown> | undefined): boolean {
  const woopra = integrations?.Woopra
  if (woopra !== undefined && woopra !== null && !woopra) return false
  return integrations?.All !== false || Boolean(woopra)
}

function addCookie(context: ActionInput<Settings, Payload>['context'], settings: Settings): void {
  const integrations = context.event.integrations as Record<string, unknown> | undefined
  if (!mayAddCookie(integrations) || carriesCookie(integrations?.Woopra)) return
  // Read at event time: the tracker writes the cookie when it starts, which may be after analytics has loaded.
  const cookie = readCookie(settings.cookieName?.trim() || DEFAULT_COOKIE_NAME)
  if (cookie) context.updateEvent('integrations.Woopra.cookie', cookie)
}

const action: BrowserActionDefinition<Settings, {}, Payload> = {
  title: 'Woopra Cookie',
  description:
    "Adds the visitor's Woopra cookie (written by Woopra's browser tracker) to every event as `integrations.Woopra.cookie`, so that the events the Woopra (Actions) cloud destination sends land on the same Woopra visitor as the tracker's page views. On a page with Woopra Web (Actions), also writes who sends each event to Woopra (`context.Woopra.sentBy`: `tracker` or `cloud`), so that no event reaches Woopra twice.",
  platform: 'web',
  lifecycleHook: 'enrichment',
  defaultSubscription: 'type = "track" or type = "identify" or type = "group" or type = "page" or type = "alias"',
  fields: {},
  perform: async (_, { context, settings }) => {
    await markSender(context)
    // After waiting for Woopra Web's tracker, if any: the first events of a visit then find the cookie it wrote.
    addCookie(context, settings)
  }
}

export default action
