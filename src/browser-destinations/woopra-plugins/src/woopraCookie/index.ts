import type { ActionInput, BrowserActionDefinition } from '@segment/browser-destination-runtime/types'
import type { Settings } from '../generated-types'
import type { Payload } from './generated-types'
import { markSender } from './sent-by'
import { visitorCookie } from './visitor-cookie'

export { DEFAULT_COOKIE_NAME } from './visitor-cookie'

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
  // At event time, before the event leaves: the first events of a visit may come before Woopra's tracker starts.
  const cookie = visitorCookie(settings)
  if (cookie) context.updateEvent('integrations.Woopra.cookie', cookie)
}

const action: BrowserActionDefinition<Settings, {}, Payload> = {
  title: 'Woopra Cookie',
  description:
    "Adds the visitor's Woopra cookie to every event as `integrations.Woopra.cookie`, so that the events the Woopra (Actions) cloud destination sends land on the same Woopra visitor as Woopra's browser tracker. When the browser has no Woopra cookie yet, it writes one the way the tracker does, which the tracker then adopts. On a page with Woopra Web (Actions), it also writes who sends each event to Woopra (`context.Woopra.sentBy`: `tracker` or `cloud`), so that no event reaches Woopra twice.",
  platform: 'web',
  lifecycleHook: 'enrichment',
  defaultSubscription: 'type = "track" or type = "identify" or type = "group" or type = "page" or type = "alias"',
  fields: {},
  perform: async (_, { context, settings }) => {
    await markSender(context)
    // After waiting for Woopra Web's tracker, if any: then the cookie is the one it adopted or wrote.
    addCookie(context, settings)
  }
}

export default action
