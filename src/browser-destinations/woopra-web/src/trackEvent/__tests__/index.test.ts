/**
 * @jest-environment jsdom
 */
import { Context } from '@segment/analytics-next'
import { actionSubscription, pluginsWithTracker, resetPage } from '../../test-utilities'

const defaultSubscription = actionSubscription('trackEvent', 'Track Calls', 'type = "track"')

beforeEach(() => {
  resetPage()
})

describe('trackEvent', () => {
  it('tracks the event with its properties and an explicit options argument', async () => {
    const { plugins, tracker, analytics } = await pluginsWithTracker([defaultSubscription])
    const ctx = await analytics.track('Order Completed', { total: 30.5, currency: 'EUR', items: [{ sku: 'A1' }] })

    await plugins[0].track?.(ctx)

    expect(tracker.calls).toEqual([
      ['track', 'Order Completed', { total: 30.5, currency: 'EUR', items: [{ sku: 'A1' }] }, {}]
    ])
  })

  it('keeps properties named like tracker options as properties', async () => {
    const { plugins, tracker } = await pluginsWithTracker([defaultSubscription])
    const properties = { timeout: 5, callback: 'cb', queue: 'q', lifecycle: 'page', useBeacon: false, retrack: true }

    await plugins[0].track?.(new Context({ type: 'track', event: 'Video Played', properties }))

    // Written out, not the event's own object: a change made to it in place would show on both sides.
    expect(tracker.calls).toEqual([
      [
        'track',
        'Video Played',
        { timeout: 5, callback: 'cb', queue: 'q', lifecycle: 'page', useBeacon: false, retrack: true },
        {}
      ]
    ])
    // The options argument is its own object, never the properties.
    expect(tracker.calls[0][3]).not.toBe(tracker.calls[0][2])
  })

  it('sends an empty properties object for an event without properties', async () => {
    const { plugins, tracker } = await pluginsWithTracker([defaultSubscription])

    await plugins[0].track?.(new Context({ type: 'track', event: 'Logged Out' }))

    expect(tracker.calls).toEqual([['track', 'Logged Out', {}, {}]])
  })

  it('follows a custom mapping', async () => {
    const custom = {
      ...defaultSubscription,
      mapping: {
        event_name: { '@template': 'Shop {{event}}' },
        properties: { plan: { '@path': '$.properties.tier' }, source: 'web' }
      }
    }
    const { plugins, tracker } = await pluginsWithTracker([custom])

    await plugins[0].track?.(new Context({ type: 'track', event: 'Upgraded', properties: { tier: 'pro', price: 10 } }))

    expect(tracker.calls).toEqual([['track', 'Shop Upgraded', { plan: 'pro', source: 'web' }, {}]])
  })

  it('does nothing for events its subscription does not match', async () => {
    const { plugins, tracker } = await pluginsWithTracker([defaultSubscription])

    await plugins[0].page?.(new Context({ type: 'page', name: 'Home', properties: {} }))

    expect(tracker.calls).toEqual([])
  })
})
