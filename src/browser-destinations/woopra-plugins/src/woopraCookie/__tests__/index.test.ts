/**
 * @jest-environment jsdom
 */
import type { JSONValue } from '@segment/actions-core'
import { Analytics, Context } from '@segment/analytics-next'
import type { Plugin } from '@segment/analytics-next'
import woopraPlugins, { destination } from '../../index'

const COOKIE = 'Zx81Qa7Lm0Pw'

const subscription = {
  partnerAction: 'woopraCookie',
  name: 'Woopra Cookie',
  enabled: true,
  subscribe: destination.actions.woopraCookie.defaultSubscription as string,
  mapping: {}
}

/**
 * The plugins the factory builds. It types its settings as JSON. It always returns a list, but runtime 1.6.0 types the
 * result as one plugin or several: flat() gives a list under both that version and the monorepo's own, with no cast.
 */
async function pluginsFor(settings: Record<string, unknown>): Promise<Plugin[]> {
  return [await woopraPlugins(settings as unknown as JSONValue)].flat()
}

async function cookiePlugin(settings: Record<string, unknown> = {}): Promise<Plugin> {
  const [plugin] = await pluginsFor({ ...settings, subscriptions: [subscription] })
  await plugin.load(Context.system(), new Analytics({ writeKey: 'w_123' }))
  return plugin
}

function clearCookies() {
  for (const entry of document.cookie.split(';')) {
    const name = entry.split('=')[0].trim()
    if (name) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`
  }
}

beforeEach(() => {
  clearCookies()
  delete (window as unknown as Record<string, unknown>).woopra
})

describe('woopraCookie', () => {
  it('is an enrichment plugin of the cloud destination, for every event type', async () => {
    const plugin = await cookiePlugin()
    expect(destination.name).toBe('Woopra (Actions)')
    expect(plugin.name).toBe('Woopra (Actions) woopraCookie')
    expect(plugin.type).toBe('enrichment')
    expect(subscription.subscribe).toBe(
      'type = "track" or type = "identify" or type = "group" or type = "page" or type = "alias"'
    )
  })

  it('loads at once, loading nothing, even with no Woopra tracker on the page', async () => {
    const scriptsBefore = document.querySelectorAll('script').length
    await expect(
      destination.initialize(
        { settings: {}, analytics: new Analytics({ writeKey: 'w_123' }) },
        {
          loadScript: jest.fn(),
          resolveWhen: jest.fn()
        }
      )
    ).resolves.toEqual({})
    const plugin = await cookiePlugin()
    expect(plugin.isLoaded()).toBe(true)
    expect(document.querySelectorAll('script')).toHaveLength(scriptsBefore)
  })

  it("adds the browser's wooTracker cookie to every event, read when the event happens", async () => {
    const plugin = await cookiePlugin()
    // Woopra's tracker writes its cookie when it starts, which may be after analytics has loaded.
    document.cookie = `wooTracker=${COOKIE}; path=/`
    document.cookie = 'other=1; path=/'

    for (const event of [
      { type: 'track' as const, event: 'Signed Up' },
      { type: 'page' as const, name: 'Home' },
      { type: 'identify' as const, userId: 'user-1' }
    ]) {
      const enriched = await plugin.track?.(new Context(event))
      expect(enriched?.event.integrations).toEqual({ Woopra: { cookie: COOKIE } })
    }
  })

  it('runs inside analytics as an enrichment, so the event sent to Segment carries the cookie', async () => {
    document.cookie = `wooTracker=${COOKIE}; path=/`
    const analytics = new Analytics({ writeKey: 'w_123' })
    const [plugin] = await pluginsFor({ subscriptions: [subscription] })
    await analytics.register(plugin)

    const ctx = await analytics.track('Order Completed', { total: 3 }, { integrations: { Woopra: { timeout: 30 } } })

    expect(ctx.event.integrations).toEqual({ Woopra: { timeout: 30, cookie: COOKIE } })
  })

  it('reads the cookie name from the settings', async () => {
    document.cookie = `wooTracker=${COOKIE}; path=/`
    document.cookie = 'shopVisitor=Q1w2E3r4T5y6; path=/'
    const plugin = await cookiePlugin({ cookieName: 'shopVisitor' })

    const enriched = await plugin.track?.(new Context({ type: 'track', event: 'X' }))

    expect(enriched?.event.integrations).toEqual({ Woopra: { cookie: 'Q1w2E3r4T5y6' } })
  })

  it('decodes a percent-encoded cookie value', async () => {
    document.cookie = 'wooTracker=a%20b%2Fc; path=/'
    const plugin = await cookiePlugin()

    const enriched = await plugin.track?.(new Context({ type: 'track', event: 'X' }))

    expect(enriched?.event.integrations).toEqual({ Woopra: { cookie: 'a b/c' } })
  })

  it('keeps a cookie that is not valid percent-encoding as it was written, rather than fail the event', async () => {
    document.cookie = 'wooTracker=100%zz%E0%A4; path=/'
    const plugin = await cookiePlugin()

    const enriched = await plugin.track?.(new Context({ type: 'track', event: 'X' }))

    expect(enriched?.event.integrations).toEqual({ Woopra: { cookie: '100%zz%E0%A4' } })
  })

  it('never overwrites a cookie the event already carries', async () => {
    document.cookie = `wooTracker=${COOKIE}; path=/`
    const plugin = await cookiePlugin()

    const enriched = await plugin.track?.(
      new Context({ type: 'track', event: 'X', integrations: { Woopra: { cookie: 'fromServer01' } } })
    )

    expect(enriched?.event.integrations).toEqual({ Woopra: { cookie: 'fromServer01' } })
  })

  it.each([[''], ['   '], [42], [null]])('replaces a cookie that is not a non-empty string (%p)', async (cookie) => {
    document.cookie = `wooTracker=${COOKIE}; path=/`
    const plugin = await cookiePlugin()

    const enriched = await plugin.track?.(
      new Context({ type: 'track', event: 'X', integrations: { Woopra: { cookie } as unknown as boolean } })
    )

    expect(enriched?.event.integrations).toEqual({ Woopra: { cookie: COOKIE } })
  })

  it('passes the event through unchanged when there is no cookie', async () => {
    const plugin = await cookiePlugin()
    document.cookie = 'wooTrackerX=nope; path=/'
    document.cookie = 'wooTracker=; path=/'
    const event = { type: 'track' as const, event: 'X', properties: { a: 1 }, integrations: { Amplitude: true } }

    const enriched = await plugin.track?.(
      new Context({ ...event, properties: { a: 1 }, integrations: { Amplitude: true } })
    )

    expect(enriched?.event).toEqual(event)
  })

  it.each([
    [{ Woopra: false }],
    [{ Woopra: 0 }],
    [{ Woopra: '' }],
    [{ All: false }],
    [{ All: false, Woopra: null }],
    [{ All: false, Amplitude: true }]
  ])('does not change where an event goes: %p stays as it is', async (integrations) => {
    document.cookie = `wooTracker=${COOKIE}; path=/`
    const plugin = await cookiePlugin()

    const enriched = await plugin.track?.(
      new Context({ type: 'track', event: 'X', integrations: integrations as Record<string, boolean> })
    )

    expect(enriched?.event.integrations).toEqual(integrations)
  })

  it.each([[{ All: false, Woopra: true }], [{ All: false, Woopra: {} }], [{ Woopra: true }], [{ Woopra: 1 }]])(
    'adds the cookie to an event that %p sends to Woopra',
    async (integrations) => {
      document.cookie = `wooTracker=${COOKIE}; path=/`
      const plugin = await cookiePlugin()

      const enriched = await plugin.track?.(
        new Context({ type: 'track', event: 'X', integrations: integrations as Record<string, boolean> })
      )

      expect(enriched?.event.integrations).toEqual({ ...integrations, Woopra: { cookie: COOKIE } })
    }
  )
})
