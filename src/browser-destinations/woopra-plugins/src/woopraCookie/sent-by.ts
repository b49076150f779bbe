import type { ActionInput } from '@segment/browser-destination-runtime/types'

// Who sends each browser event to Woopra, decided once, here, and written on the event: Woopra's browser tracker
// (through Woopra Web (Actions)) or the cloud destination. Woopra Web publishes which events its live tracker sends on
// a page global (the packages are separate bundles: they share only its name and shape, each defining them).

/** The page global Woopra Web (Actions) publishes on. */
export const TRACKER_COVERAGE_GLOBAL = '__woopraWebTracker'
/** Where the mark goes: a context field, which Segment delivers and the cloud destination's FQL can read. */
export const SENT_BY_PATH = 'context.Woopra.sentBy'
/**
 * How long an event waits for Woopra Web's tracker to start (w.js loading) before it is left to the cloud destination.
 * A blocked w.js fails at once; a slow one then leaves the waiting events to the cloud, and Woopra Web skips them.
 */
export const TRACKER_WAIT_MS = 3000

type SentBy = 'tracker' | 'cloud'

interface TrackerCoverage {
  sends(event: unknown): Promise<boolean>
}

function publishedCoverage(): TrackerCoverage | undefined {
  const coverage = (window as unknown as Record<string, unknown>)[TRACKER_COVERAGE_GLOBAL] as
    | TrackerCoverage
    | undefined
  return typeof coverage?.sends === 'function' ? coverage : undefined
}

/** Whether the cloud destination receives the event, as Segment decides from its `integrations`. */
function cloudReceives(integrations: Record<string, unknown> | undefined): boolean {
  const flags = [integrations?.Woopra, integrations?.['Woopra (Actions)']]
  if (flags.some((flag) => flag === false || flag === 0)) return false
  return integrations?.All !== false || flags.some(Boolean)
}

/** The tracker's answer, or false (left to the cloud) when it does not come within TRACKER_WAIT_MS or fails. */
async function trackerSends(coverage: TrackerCoverage, event: unknown): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const waited = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), TRACKER_WAIT_MS)))
  try {
    return await Promise.race([coverage.sends(event).then((sends) => sends === true), waited])
  } catch {
    return false
  } finally {
    // Narrowed first: the monorepo's @types/node (16.11) declares clearTimeout without undefined.
    if (timer !== undefined) clearTimeout(timer)
  }
}

/**
 * Marks the event with who sends it to Woopra when Woopra Web is on the page: "tracker" when its live tracker does
 * (the cloud destination's presets then leave it out), else "cloud" (Woopra Web then leaves it alone). Without Woopra
 * Web nothing is marked: the cloud destination sends every event. A mark the event already carries is kept.
 */
export async function markSender(context: ActionInput<unknown, unknown>['context']): Promise<void> {
  const coverage = publishedCoverage()
  const woopraContext = context.event.context?.Woopra as { sentBy?: unknown } | undefined
  if (!coverage || woopraContext?.sentBy === 'tracker' || woopraContext?.sentBy === 'cloud') return
  let sentBy: SentBy | undefined = (await trackerSends(coverage, context.event)) ? 'tracker' : 'cloud'
  // Never leave to the cloud an event it does not receive: the tracker would skip it, and nobody would send it.
  if (sentBy === 'cloud' && !cloudReceives(context.event.integrations as Record<string, unknown> | undefined)) {
    sentBy = undefined
  }
  if (sentBy) context.updateEvent(SENT_BY_PATH, sentBy)
}
