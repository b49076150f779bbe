/**
 * @jest-environment jsdom
 */
import { Analytics, Context } from '@segment/analytics-next'
import type { Subscription } from '@segment/browser-destination-runtime/types'
import { destination } from '../index'
import { TRACKER_COVERAGE_GLOBAL } from '../tracker-coverage'
import type { TrackerCoverage } from '../tracker-coverage'
import { actionSubscription, pluginsWithTracker, recordingTracker, resetPage } from '../test-utilities'

// Woopra Web tells the page (for the Woopra cookie plugin) which events its live tracker sends, and leaves alone the
// events the plugin left to the cloud destination.

const PAGE = actionSubscription('trackPageView', 'Page Calls', 'type = "page"')
const SIGNED_UP = actionSubscription('trackEvent', 'Signed Up', 'type = "track" and event = "Signed Up"')

type EventFields = ConstructorParameters<typeof Context>[0]

function coverage(): TrackerCoverage {
  return (window as unknown as Record<string, TrackerCoverage>)[TRACKER_COVERAGE_GLOBAL]
}

/** Runs initialize as the runtime does, with a w.js whose loading the test settles. */
function initializeWithPendingScript(subscriptions: Subscription[]) {
  let settleScript: { load: () => void; fail: () => void } = { load: () => undefined, fail: () => undefined }
  const script = new Promise<HTMLScriptElement>((resolve, reject) => {
    settleScript = {
      load: () => {
        ;(window as unknown as { woopra: unknown }).woopra = recordingTracker('Zx81Qa7Lm0Pw')
        resolve(document.createElement('script'))
      },
      fail: () => reject(new Error('Failed to load https://static.woopra.com/w.js'))
    }
  })
  const started = destination.initialize(
    { settings: { domain: 'example.com', subscriptions } as never, analytics: new Analytics({ writeKey: 'w_123' }) },
    { loadScript: () => script, resolveWhen: async (condition) => void condition() }
  )
  return { settleScript, started }
}

beforeEach(() => {
  resetPage()
  delete (window as unknown as Record<string, unknown>)[TRACKER_COVERAGE_GLOBAL]
})

describe('which events the tracker sends', () => {
  it('is published as initialize starts, and answers once w.js has started', async () => {
    const { settleScript } = initializeWithPendingScript([PAGE])
    let answer: boolean | undefined
    void coverage()
      .sends({ type: 'page', name: 'Home' })
      .then((sends) => (answer = sends))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(answer).toBeUndefined()

    settleScript.load()
    await expect(coverage().sends({ type: 'page', name: 'Home' })).resolves.toBe(true)
    expect(answer).toBe(true)
  })

  it('is "none" for every event once w.js failed to load', async () => {
    const { settleScript, started } = initializeWithPendingScript([PAGE, SIGNED_UP])
    settleScript.fail()
    // Woopra Web fails alone: its actions get a tracker that sends nothing.
    await expect(started).resolves.toMatchObject({
      loaded: false,
      unavailable: expect.stringContaining('Failed to load')
    })
    await expect(coverage().sends({ type: 'page', name: 'Home' })).resolves.toBe(false)
    await expect(coverage().sends({ type: 'track', event: 'Signed Up' })).resolves.toBe(false)
  })

  it('follows the subscriptions as the runtime reads them: FQL, enabled, the action they name', async () => {
    await pluginsWithTracker([PAGE, SIGNED_UP, { ...actionSubscription('identifyUser', 'Off', 'type = "identify"'), enabled: false }]) // prettier-ignore
    const sends = (event: object) => coverage().sends(event)

    await expect(sends({ type: 'page', name: 'Home' })).resolves.toBe(true)
    await expect(sends({ type: 'track', event: 'Signed Up' })).resolves.toBe(true)
    await expect(sends({ type: 'track', event: 'Order Completed' })).resolves.toBe(false)
    await expect(sends({ type: 'identify', userId: 'user-1' })).resolves.toBe(false)
    await expect(sends({ type: 'group', groupId: 'g-1' })).resolves.toBe(false)
  })

  it.each([
    [{ 'Woopra Web (Actions)': false }, false],
    [{ 'Woopra Web (Actions) trackPageView': false }, false],
    [{ All: false }, false],
    [{ All: false, 'Woopra Web (Actions)': true }, true],
    [{ Woopra: false }, true],
    [{}, true]
  ])('follows the event’s integrations %p as analytics-next does', async (integrations, expected) => {
    await pluginsWithTracker([PAGE])
    await expect(coverage().sends({ type: 'page', name: 'Home', integrations })).resolves.toBe(expected)
  })

  it('counts a subscription whose mapping fails for the event as the runtime runs it: not sent', async () => {
    const failing = { ...PAGE, mapping: { page_url: { '@template': 1 } } } as unknown as Subscription
    await pluginsWithTracker([failing])
    await expect(coverage().sends({ type: 'page', name: 'Home' })).resolves.toBe(false)
  })
})

describe('an event the cookie plugin left to the cloud destination', () => {
  // Parameters typed: in the monorepo's lint program the test globals are Mocha's, whose `each` types nothing.
  it.each([
    ['page', PAGE, { type: 'page', name: 'Home' }],
    ['track', SIGNED_UP, { type: 'track', event: 'Signed Up' }],
    ['identify', actionSubscription('identifyUser', 'Identify Calls', 'type = "identify"'), { type: 'identify', userId: 'u' }] // prettier-ignore
  ] as const)(
    'is not sent by the tracker (%s)',
    async (_type: string, subscription: Subscription, event: EventFields) => {
      const { plugins, tracker } = await pluginsWithTracker([subscription])

      await plugins[0].track?.(new Context({ ...event, context: { Woopra: { sentBy: 'cloud' } } }))
      expect(tracker.calls).toEqual([])
      await plugins[0].track?.(new Context({ ...event, context: { Woopra: { sentBy: 'tracker' } } }))
      expect(tracker.calls.length).toBeGreaterThan(0)
    }
  )
})
