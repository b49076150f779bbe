/**
 * @jest-environment jsdom
 * @jest-environment-options {"resources": "usable", "runScripts": "dangerously"}
 */
import nock from 'nock'
import { defaultValues } from '@segment/actions-core'
import { Analytics, Context } from '@segment/analytics-next'
import type { Plugin } from '@segment/analytics-next'
import type { Subscription } from '@segment/browser-destination-runtime/types'
import { destination } from '../index'
import { TrackerUnavailableError } from '../woopra-tracker'
import { configCalls } from '../settings'
import { createPlugins, pageTracker, recordingTracker, resetPage, standInTrackerScript } from '../test-utilities'

jest.setTimeout(30000)

const SCRIPT_HOST = 'https://static.woopra.com'
const SCRIPT_PATH = '/w.js'
const COOKIE = 'Zx81Qa7Lm0Pw'

const trackSubscription: Subscription = {
  partnerAction: 'trackEvent',
  name: 'Track Calls',
  enabled: true,
  subscribe: 'type = "track"',
  mapping: { event_name: { '@path': '$.event' }, properties: { '@path': '$.properties' } }
}

const pageSubscription: Subscription = {
  partnerAction: 'trackPageView',
  name: 'Page Calls',
  enabled: true,
  subscribe: 'type = "page"',
  mapping: defaultValues(destination.actions.trackPageView.fields)
}

/** What the page's own Woopra snippet leaves before w.js has run: a queueing stub, registered, with one call queued. */
function pageSnippetStub(): { _e: unknown[][] } {
  const page = window as unknown as Record<string, unknown>
  const queue: unknown[][] = []
  const stub: Record<string, unknown> = { _e: queue }
  for (const method of ['config', 'track', 'identify', 'push']) {
    stub[method] = (...args: unknown[]) => {
      queue.push([method, ...args])
      return stub
    }
  }
  page.woopra = stub
  page.__woo = { woopra: stub }
  ;(stub.track as (name: string) => unknown)('pv')
  return stub as { _e: unknown[][] }
}

async function loadedPlugin(settings: Record<string, unknown>): Promise<Plugin> {
  const [plugin] = await createPlugins(settings, [trackSubscription])
  await plugin.load(Context.system(), new Analytics({ writeKey: 'w_123' }))
  return plugin
}

beforeEach(() => {
  resetPage()
})

afterEach(() => {
  jest.restoreAllMocks()
})

describe('presets', () => {
  it('are automatic, one for each call type, each with its action’s default mapping', () => {
    expect(destination.presets).toEqual([
      {
        name: 'Page Calls',
        subscribe: 'type = "page"',
        partnerAction: 'trackPageView',
        mapping: defaultValues(destination.actions.trackPageView.fields),
        type: 'automatic'
      },
      {
        name: 'Identify Calls',
        subscribe: 'type = "identify"',
        partnerAction: 'identifyUser',
        mapping: defaultValues(destination.actions.identifyUser.fields),
        type: 'automatic'
      },
      {
        name: 'Track Calls',
        subscribe: 'type = "track"',
        partnerAction: 'trackEvent',
        mapping: defaultValues(destination.actions.trackEvent.fields),
        type: 'automatic'
      }
    ])
  })
})

describe('initialize', () => {
  it("loads Woopra's script, which replaces the stub after replaying the settings, and returns the live tracker", async () => {
    const script = nock(SCRIPT_HOST).get(SCRIPT_PATH).reply(200, standInTrackerScript(COOKIE), {
      'Content-Type': 'application/javascript'
    })
    const plugin = await loadedPlugin({ domain: 'example.com' })

    expect(script.isDone()).toBe(true)
    expect(document.querySelectorAll(`script[src="${SCRIPT_HOST}${SCRIPT_PATH}"]`)).toHaveLength(1)
    const live = pageTracker()
    expect(live.loaded).toBe(true)
    expect(live._e).toBeUndefined()
    // Every classic option, with its classic default, under Woopra's name, before the cookie is written.
    expect(live.calls).toEqual([
      ['config', 'domain', 'example.com'],
      ['config', 'cookie_name', 'wooTracker'],
      ['config', 'cookie_path', '/'],
      ['config', 'idle_timeout', 300000],
      ['config', 'download_tracking', true],
      ['config', 'outgoing_tracking', true],
      ['config', 'click_tracking', true],
      ['config', 'outgoing_ignore_subdomain', true],
      ['config', 'ignore_query_url', true],
      ['config', 'hide_campaign', false]
    ])
    expect(document.cookie).toBe(`wooTracker=${COOKIE}`)
    expect(plugin.isLoaded()).toBe(true)
  })

  it('sends calls made after the script has loaded to the live tracker, not to the replaced stub', async () => {
    nock(SCRIPT_HOST).get(SCRIPT_PATH).reply(200, standInTrackerScript(COOKIE))
    const plugin = await loadedPlugin({ domain: 'example.com' })
    const stub = (window as unknown as { __woo: Record<string, { _e: unknown[][] }> }).__woo.woopra

    await plugin.track?.(new Context({ type: 'track', event: 'Signed Up', properties: { plan: 'pro' } }))

    expect(pageTracker().calls.slice(-1)).toEqual([['track', 'Signed Up', { plan: 'pro' }, {}]])
    expect(stub._e.map(([method]) => method)).toEqual(Array(10).fill('config'))
  })

  it('warns once and resolves with a tracker that sends nothing when the script fails to load (blocked)', async () => {
    nock(SCRIPT_HOST).get(SCRIPT_PATH).reply(404, 'blocked')
    // jsdom reports the failed resource on the console, as a browser does.
    jest.spyOn(console, 'error').mockImplementation(() => undefined)
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined)
    const plugins = await createPlugins({ domain: 'example.com' }, [trackSubscription, pageSubscription])
    const analytics = new Analytics({ writeKey: 'w_123' })

    for (const plugin of plugins) await plugin.load(Context.system(), analytics)

    expect(plugins.map((plugin) => plugin.isLoaded())).toEqual([true, true])
    expect(warn.mock.calls).toEqual([
      ['Woopra Web (Actions) is off on this page: Failed to load https://static.woopra.com/w.js']
    ])
    const stub = pageTracker()
    const queued = stub._e?.length
    // Each action fails alone with an error of its own, which analytics-next records on the event; nothing is queued.
    const [pagePlugin, trackPlugin] = plugins
    await expect(trackPlugin.track?.(new Context({ type: 'track', event: 'Signed Up' }))).rejects.toThrow(
      new TrackerUnavailableError('Woopra Web (Actions) sent nothing: Failed to load https://static.woopra.com/w.js')
    )
    await expect(pagePlugin.page?.(new Context({ type: 'page', name: 'Home' }))).rejects.toThrow(
      TrackerUnavailableError
    )
    expect(stub._e).toHaveLength(queued as number)
    expect(warn).toHaveBeenCalledTimes(1)
  })

  it('resolves with a tracker that sends nothing when the script loads but Woopra never starts', async () => {
    const loadScript = jest.fn().mockResolvedValue(document.createElement('script'))
    const { resolveWhen } = jest.requireActual('@segment/browser-destination-runtime/resolve-when')
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined)
    const analytics = new Analytics({ writeKey: 'w_123' })
    // The clock: the deadline is set at 0, and every later look finds it passed.
    const now = jest.spyOn(Date, 'now').mockReturnValueOnce(0).mockReturnValue(60000)
    try {
      const tracker = await destination.initialize(
        { settings: { domain: 'example.com' }, analytics },
        { loadScript, resolveWhen }
      )

      const reason = "Woopra's tracker (https://static.woopra.com/w.js) loaded but did not start."
      expect(tracker.unavailable).toBe(reason)
      expect(tracker.loaded).toBe(false)
      expect(warn.mock.calls).toEqual([[`Woopra Web (Actions) is off on this page: ${reason}`]])
      expect(loadScript).toHaveBeenCalledWith('https://static.woopra.com/w.js')
      expect(pageTracker()._e?.[0]).toEqual(['config', 'domain', 'example.com'])
    } finally {
      now.mockRestore()
    }
  })

  it("waits for w.js when the page's own Woopra snippet left a stub, and hands the actions the live tracker", async () => {
    const pageStub = pageSnippetStub()
    nock(SCRIPT_HOST).get(SCRIPT_PATH).reply(200, standInTrackerScript(COOKIE))
    const plugin = await loadedPlugin({ domain: 'example.com' })

    await plugin.track?.(new Context({ type: 'track', event: 'Signed Up', properties: { plan: 'pro' } }))

    const live = pageTracker()
    expect(live).not.toBe(pageStub)
    expect(live.loaded).toBe(true)
    // The settings were replayed to the live tracker, then the event was sent to it.
    expect(live.calls[0]).toEqual(['config', 'domain', 'example.com'])
    expect(live.calls.slice(-1)).toEqual([['track', 'Signed Up', { plan: 'pro' }, {}]])
    expect(pageStub._e.filter(([method]) => method === 'track')).toEqual([['track', 'pv']])
  })

  it("does not hand the actions the page's stub when w.js is blocked: they send nothing rather than queue", async () => {
    const pageStub = pageSnippetStub()
    nock(SCRIPT_HOST).get(SCRIPT_PATH).reply(404, 'blocked')
    jest.spyOn(console, 'error').mockImplementation(() => undefined)
    jest.spyOn(console, 'warn').mockImplementation(() => undefined)
    const plugin = await loadedPlugin({ domain: 'example.com' })

    await expect(plugin.track?.(new Context({ type: 'track', event: 'Signed Up' }))).rejects.toThrow(
      TrackerUnavailableError
    )
    expect(pageStub._e.filter(([method]) => method === 'track')).toEqual([['track', 'pv']])
  })

  it('configures a tracker the page already runs instead of loading a second one', async () => {
    const onPage = recordingTracker(COOKIE)
    ;(window as unknown as { woopra: unknown }).woopra = onPage
    await loadedPlugin({ domain: 'example.com', clickTracking: false })

    expect(document.querySelectorAll('script[src]')).toHaveLength(0)
    expect(onPage.calls).toContainEqual(['config', 'click_tracking', false])
  })
})

describe('settings', () => {
  it('sends every setting under Woopra’s option name, in order', () => {
    expect(
      configCalls({
        domain: 'shop.example.com',
        cookieName: 'visitorId',
        cookieDomain: '.example.com',
        cookiePath: '/shop',
        idleTimeout: 600000,
        downloadTracking: false,
        outgoingTracking: false,
        clickTracking: false,
        outgoingIgnoreSubdomain: false,
        ignoreQueryUrl: false,
        hideCampaign: true
      })
    ).toEqual([
      ['domain', 'shop.example.com'],
      ['cookie_name', 'visitorId'],
      ['cookie_domain', '.example.com'],
      ['cookie_path', '/shop'],
      ['idle_timeout', 600000],
      ['download_tracking', false],
      ['outgoing_tracking', false],
      ['click_tracking', false],
      ['outgoing_ignore_subdomain', false],
      ['ignore_query_url', false],
      ['hide_campaign', true]
    ])
  })

  it('sends nothing for empty values, and no setting that is not an option', () => {
    const settings = {
      domain: ' ',
      cookieName: '',
      cookieDomain: '',
      cookiePath: null,
      idleTimeout: null,
      downloadTracking: null,
      outgoingTracking: null,
      clickTracking: null,
      outgoingIgnoreSubdomain: null,
      ignoreQueryUrl: null,
      hideCampaign: null,
      subscriptions: [trackSubscription]
    } as unknown as Parameters<typeof configCalls>[0]
    expect(configCalls(settings)).toEqual([])
  })

  it('reads a timeout given as digits, and leaves an unusable one to Woopra', () => {
    const timeoutCall = (idleTimeout: unknown) =>
      configCalls({ domain: 'example.com', idleTimeout } as Parameters<typeof configCalls>[0]).find(
        ([name]) => name === 'idle_timeout'
      )
    expect(timeoutCall('120000')).toEqual(['idle_timeout', 120000])
    expect(timeoutCall(-5)).toBeUndefined()
    expect(timeoutCall('abc')).toBeUndefined()
  })
})
