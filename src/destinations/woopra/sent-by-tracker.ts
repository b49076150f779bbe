// Browser events that Woopra's browser tracker sends itself must not reach Woopra a second time from here. On a web
// source with Woopra Web (Actions), the Woopra cookie plugin (woopra-plugins) marks each event with who sends it to
// Woopra: `context.Woopra.sentBy` is "tracker" when Woopra Web's live tracker sends it, "cloud" when it is left to this
// destination (w.js blocked or still loading, or no Woopra Web subscription covers the event). The presets leave out
// events marked "tracker": they are skipped, as events no subscription matches are, never sent twice.

/** Where the cookie plugin writes the mark (FQL reads `context.*`, not `integrations.*`, so it is a context field). */
export const SENT_BY_PATH = 'context.Woopra.sentBy'
/** The mark of an event Woopra's browser tracker sends itself. */
export const SENT_BY_TRACKER = 'tracker'

/** The FQL condition every preset adds: the event is not one Woopra's browser tracker sends. */
export const NOT_SENT_BY_TRACKER = `${SENT_BY_PATH} != "${SENT_BY_TRACKER}"`

/** A preset's subscription: events of `type`, except those Woopra's browser tracker sends itself. */
export function unlessSentByTracker(type: 'track' | 'identify' | 'page'): string {
  return `type = "${type}" and ${NOT_SENT_BY_TRACKER}`
}

/** Whether the event carries the mark of an event Woopra's browser tracker sends itself. */
export function isSentByTracker(event: unknown): boolean {
  const context = (event as { context?: { Woopra?: { sentBy?: unknown } } } | null | undefined)?.context
  return context?.Woopra?.sentBy === SENT_BY_TRACKER
}

/** Why an event with the mark was not sent, for logs and summaries. */
export const SENT_BY_TRACKER_REASON = `Woopra's browser tracker sends it itself (${SENT_BY_PATH} is "${SENT_BY_TRACKER}", set by the Woopra cookie plugin): sending it from here too would count it twice.`
