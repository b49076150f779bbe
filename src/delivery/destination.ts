import { IntegrationError } from '@segment/actions-core'
import type { Destination, DestinationDefinition, JSONObject, SegmentEvent, Subscription } from '@segment/actions-core'
import { FAILED_ACTION, LAST_RESPONSE } from './failure'
import type { ResponseLike } from './failure'

/** What actions-core reports for a subscription whose FQL does not match the event. */
const NOT_SUBSCRIBED = 'not subscribed'

type SubscriptionOutput = { output?: unknown }[] | null | undefined

/**
 * actions-core returns, rather than throws, an unusable subscription (no `subscribe`, or FQL that does not parse) as
 * one result among the others (and reports it to onComplete with no output).
 */
function invalidSubscriptionMessage(results: SubscriptionOutput): string | undefined {
  for (const result of results ?? []) {
    const text = result?.output
    if (typeof text !== 'string') continue
    if (text === 'Failed to validate subscription' || text.startsWith('Invalid subscription')) return text
  }
  return undefined
}

/**
 * Sends one event through `destination.onEvent` with `subscriptions`, as Segment's runtime runs a destination:
 * 'delivered' with the actions that ran, or 'skipped' when no subscription matched. Throws the action's error, with
 * the last Woopra response and the failing action's key attached for classifyFailure (`Retry-After`, `action`): an
 * error that no response came with (a timeout, a reset, an invalid payload) still names its action.
 *
 * The destination records every response in `destination.responses` and never forgets them: this empties the list
 * after each event. So one Destination must not serve two events at once (use one per delivery slot, or per event).
 */
export async function deliverThroughDestination<S>(
  destination: Destination<S>,
  event: SegmentEvent,
  settings: S,
  subscriptions: readonly Subscription[]
): Promise<{ outcome: 'delivered' | 'skipped'; actions: string[] }> {
  const actions: string[] = []
  let failedAction: string | undefined
  let results: SubscriptionOutput
  destination.responses.length = 0
  try {
    results = await destination.onEvent(
      event,
      { ...(settings as unknown as JSONObject), subscriptions: subscriptions as unknown as JSONObject[] },
      {
        onComplete: (stats) => {
          const output = stats.output as SubscriptionOutput
          const notSubscribed = Array.isArray(output) && output.length === 1 && output[0]?.output === NOT_SUBSCRIBED
          const failed = Array.isArray(output) && output.some((result) => result !== null && 'error' in result)
          if (failed) failedAction ??= stats.action
          else if (!notSubscribed) actions.push(stats.action)
        }
      }
    )
  } catch (error) {
    const last = destination.responses[destination.responses.length - 1]
    if (typeof error === 'object' && error !== null) {
      if (last) {
        const response: ResponseLike = { status: last.status, headers: last.headers }
        Object.defineProperty(error, LAST_RESPONSE, { value: response, enumerable: false, configurable: true })
      }
      if (failedAction !== undefined) {
        Object.defineProperty(error, FAILED_ACTION, { value: failedAction, enumerable: false, configurable: true })
      }
    }
    throw error
  } finally {
    destination.responses.length = 0
  }
  const invalid = invalidSubscriptionMessage(results)
  if (invalid !== undefined) {
    throw new IntegrationError(`A subscription is unusable: ${invalid}`, 'INVALID_SUBSCRIPTION', 400)
  }
  return { outcome: actions.length > 0 ? 'delivered' : 'skipped', actions }
}

/**
 * The automatic presets of a definition as subscriptions, which is how Segment enables them for a new destination.
 * A preset of an action the definition does not have (the browser plugin's, merged in by Segment's manifest) runs in
 * the browser, not here.
 */
export function presetSubscriptions<S>(definition: DestinationDefinition<S>): Subscription[] {
  const subscriptions: Subscription[] = []
  for (const preset of definition.presets ?? []) {
    if (preset.type !== 'automatic' || !(preset.partnerAction in definition.actions)) continue
    subscriptions.push({
      name: preset.name,
      partnerAction: preset.partnerAction,
      subscribe: preset.subscribe,
      mapping: preset.mapping
    })
  }
  return subscriptions
}
