import type { BrowserDestinationDefinition, Subscription } from '@segment/browser-destination-runtime/types'

// Which events this page's Woopra tracker sends, told to the Woopra cookie plugin (woopra-plugins, the browser half of
// the Woopra (Actions) cloud destination) so that the cloud destination leaves them out and no event reaches Woopra
// twice. The two packages are separate bundles: they share only the global's name and shape, each defining them.

/** The page global this package publishes on (woopra-plugins reads the same name). */
export const TRACKER_COVERAGE_GLOBAL = '__woopraWebTracker'

/** What woopra-plugins writes at `context.Woopra.sentBy` on an event it left to the cloud destination. */
const LEFT_TO_CLOUD = 'cloud'

export interface TrackerCoverage {
  /**
   * Whether this package's actions send the event to Woopra through the live tracker: an enabled subscription matches
   * it and the event's `integrations` do not turn the action off. Waits while w.js loads; false once it failed.
   */
  sends(event: unknown): Promise<boolean>
}

type AnyDefinition = BrowserDestinationDefinition<any, any> // eslint-disable-line @typescript-eslint/no-explicit-any

interface Probe {
  name: string
  track?: (ctx: never) => Promise<unknown>
  load: (ctx: never, analytics: never) => Promise<unknown>
}

/**
 * The runtime's own plugins for this definition and these subscriptions, with each action's perform replaced by a note
 * that it would run: so a subscription "matches" exactly when the runtime would run the action (same FQL, same mapping).
 */
async function probePlugins(definition: AnyDefinition, settings: unknown, ran: WeakSet<object>): Promise<Probe[]> {
  // The shim imports the same module on first use; importing it here adds nothing to the bundle.
  const { generatePlugins } = await import('@segment/browser-destination-runtime/plugin')
  const actions: AnyDefinition['actions'] = {}
  for (const [key, action] of Object.entries(definition.actions)) {
    actions[key] = { ...action, perform: (_client, { context }) => void ran.add(context as object) }
  }
  const subscriptions = (settings as { subscriptions?: Subscription[] }).subscriptions ?? []
  const probes = generatePlugins({ ...definition, actions, initialize: async () => ({}) }, settings, subscriptions)
  await Promise.all(probes.map((probe) => probe.load(undefined as never, undefined as never)))
  return probes as unknown as Probe[]
}

/** Whether analytics-next runs the action plugin `pluginName` of `destinationName` for an event with these integrations. */
function enabledFor(event: unknown, destinationName: string, pluginName: string): boolean {
  const integrations = (event as { integrations?: Record<string, unknown> } | null)?.integrations ?? {}
  return Boolean(integrations[destinationName] ?? integrations[pluginName] ?? integrations.All !== false)
}

async function runs(probe: Probe, event: unknown, ran: WeakSet<object>): Promise<boolean> {
  const ctx = { event }
  try {
    await probe.track?.(ctx as never)
  } catch {
    // A mapping that fails for this event fails the real action too, after the subscriptions before it ran.
  }
  return ran.has(ctx)
}

/**
 * Publishes which events the tracker sends, from the moment `initialize` starts: every event waits for `started` (w.js
 * loading), so that a call made before analytics loaded is told apart as well as a later one.
 */
export function publishCoverage(definition: AnyDefinition, settings: unknown, started: Promise<unknown>): void {
  // Live only with a started tracker: a failed w.js gives the actions a stand-in that sends nothing (`loaded` false).
  const live = started.then(
    (tracker) => (tracker as { loaded?: unknown } | undefined)?.loaded === true,
    () => false
  )
  const ran = new WeakSet<object>()
  let probes: Promise<Probe[]> | undefined
  const coverage: TrackerCoverage = {
    async sends(event) {
      if (!(await live)) return false
      probes ??= probePlugins(definition, settings, ran)
      for (const probe of await probes) {
        if (enabledFor(event, definition.name, probe.name) && (await runs(probe, event, ran))) return true
      }
      return false
    }
  }
  ;(window as unknown as Record<string, unknown>)[TRACKER_COVERAGE_GLOBAL] = coverage
}

/**
 * Whether the cookie plugin left this event to the cloud destination (it decided before the tracker had started, or
 * the tracker does not cover it): then the tracker must not send it too.
 */
export function leftToCloud(event: unknown): boolean {
  const context = (event as { context?: { Woopra?: { sentBy?: unknown } } } | null)?.context
  return context?.Woopra?.sentBy === LEFT_TO_CLOUD
}
