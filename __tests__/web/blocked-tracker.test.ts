/**
 * @jest-environment jsdom
 * @jest-environment-options {"resources": "usable", "runScripts": "dangerously", "url": "https://shop.example.com/cart"}
 */
import nock from 'nock'
import { defaultValues } from '@segment/actions-core'
import { AnalyticsBrowser } from '@segment/analytics-next'
import type { CDNSettings, Context, Plugin } from '@segment/analytics-next'
import woopraWeb, { destination as woopraWebDefinition } from '../../src/browser-destinations/woopra-web/src'
import woopraPlugins from '../../src/browser-destinations/woopra-plugins/src'

// A blocked or failing w.js, with analytics-next loading both web packages the way Segment's CDN settings list them
// (remote plugins, each action wrapped by analytics-next): Woopra Web fails alone, with one console warning and no
// error or unhandled rejection on the page, whether the calls come before or after the failure.

jest.setTimeout(30000)

const SCRIPT_URL = 'https://static.woopra.com/w.js'
const WOOPRA_ID = /^[0-9A-Za-z]{12}$/

// Each Woopra Web action with its default subscription and mapping, as its automatic preset subscribes it.
const webSubscriptions = Object.entries(woopraWebDefinition.actions).map(([partnerAction, action]) => ({
  partnerAction,
  name: action.title,
  enabled: true,
  subscribe: action.defaultSubscription as string,
  mapping: defaultValues(action.fields)
}))

const cookieSubscription = {
  partnerAction: 'woopraCookie',
  name: 'Woopra Cookie',
  enabled: true,
  subscribe: 'type = "track" or type = "identify" or type = "group" or type = "page" or type = "alias"',
  mapping: {}
}

function remotePlugin(name: string, creationName: string, settings: Record<string, unknown>) {
  return { name, creationName, libraryName: `${creationName}Destination`, url: `https://cdn.test/${name}.js`, settings }
}

const cdnSettings = {
  integrations: { 'Segment.io': { apiKey: 'w_123' } },
  remotePlugins: [
    remotePlugin('Woopra (Actions)', 'Woopra (Actions)', { subscriptions: [cookieSubscription] }),
    remotePlugin('Woopra Web (Actions)', 'Woopra Web (Actions)', {
      domain: 'example.com',
      subscriptions: webSubscriptions
    })
  ]
} as unknown as CDNSettings

/** Every promise rejection no one handled, as Node and the page report them. */
const unhandled: unknown[] = []
const onNodeRejection = (reason: unknown) => unhandled.push(reason)
const onPageRejection = (event: PromiseRejectionEvent) => unhandled.push(event.reason)
const pageErrors: unknown[] = []
const onPageError = (event: ErrorEvent) => pageErrors.push(event.error ?? event.message)

beforeAll(() => {
  process.on('unhandledRejection', onNodeRejection)
  window.addEventListener('unhandledrejection', onPageRejection)
  window.addEventListener('error', onPageError)
})

afterAll(() => {
  process.off('unhandledRejection', onNodeRejection)
  window.removeEventListener('unhandledrejection', onPageRejection)
  window.removeEventListener('error', onPageError)
})

let warnings: string[]

/** The value of a cookie of the page. */
function cookieOf(name: string): string | undefined {
  const entry = document.cookie.split('; ').find((pair) => pair.startsWith(`${name}=`))
  return entry?.slice(name.length + 1)
}

beforeEach(() => {
  unhandled.length = 0
  pageErrors.length = 0
  const page = window as unknown as Record<string, unknown>
  delete page.woopra
  delete page.__woo
  for (const entry of document.cookie.split(';')) {
    const name = entry.split('=')[0].trim()
    if (name) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/; domain=.shop.example.com`
  }
  document.head.innerHTML = '<script></script>'
  warnings = []
  jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => warnings.push(args.map(String).join(' ')))
  // jsdom reports a failed resource with console.error, as a browser does in its console.
  jest.spyOn(console, 'error').mockImplementation(() => undefined)
})

afterEach(() => {
  jest.restoreAllMocks()
})

/** Whether the page's w.js tag has failed (loadScript marks it). */
function scriptFailed(): boolean {
  return document.querySelector(`script[src="${SCRIPT_URL}"]`)?.getAttribute('status') === 'error'
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10))
}

/** Lets every pending promise job and timer of the page run, so that a rejection without handler is reported. */
async function settle(): Promise<void> {
  for (let round = 0; round < 5; round++) await new Promise((resolve) => setTimeout(resolve, 20))
}

function loadAnalytics(other: Plugin) {
  // Segment's own delivery (to /v1) is left to the real-browser test: here the other destination stands for it.
  return AnalyticsBrowser.load(
    { writeKey: 'w_123', cdnSettings, plugins: [woopraPlugins, woopraWeb, other] },
    { integrations: { 'Segment.io': false } }
  )
}

/** Another destination on the page, which sees every event. */
function otherDestination(seen: Context[]): Plugin {
  const record = (ctx: Context) => {
    seen.push(ctx)
    return ctx
  }
  return {
    name: 'Other Destination',
    type: 'destination',
    version: '1.0.0',
    isLoaded: () => true,
    load: async () => undefined,
    track: record,
    page: record,
    identify: record
  }
}

describe.each([
  ['blocked', () => nock('https://static.woopra.com').get('/w.js').replyWithError('net::ERR_BLOCKED_BY_CLIENT')],
  ['failing', () => nock('https://static.woopra.com').get('/w.js').reply(503, 'unavailable')]
])('a %s w.js', (_, scriptAnswer) => {
  it('costs nothing but Woopra Web when the calls come after the failure', async () => {
    scriptAnswer()
    const seen: Context[] = []
    const [analytics] = await loadAnalytics(otherDestination(seen))
    await until(scriptFailed)
    await settle()

    const page = await analytics.page('Cart')
    const track = await analytics.track('Signed Up', { plan: 'pro' })
    const identify = await analytics.identify('user-1', { email: 'a@example.com' })
    await settle()

    expect(unhandled).toEqual([])
    expect(pageErrors).toEqual([])
    expect(warnings.filter((warning) => warning.includes('Woopra'))).toEqual([
      `Woopra Web (Actions) is off on this page: Failed to load ${SCRIPT_URL}`
    ])
    expect(seen.map((ctx) => ctx.event.type)).toEqual(['page', 'track', 'identify'])
    // The cookie plugin still writes and adds the visitor's cookie.
    const cookie = (track.event.integrations?.Woopra as { cookie?: string } | undefined)?.cookie
    expect(cookie).toMatch(WOOPRA_ID)
    expect(cookieOf('wooTracker')).toBe(cookie)
    for (const ctx of [page, track, identify]) {
      expect(ctx.event.integrations).toEqual({ 'Segment.io': false, Woopra: { cookie } })
    }
    // The cookie plugin left each event to the cloud destination, which sends it: Woopra Web neither sends it nor
    // reports it as unsent. (Without the plugin, each action reports it: woopra-web's own tests.)
    for (const ctx of [page, track, identify]) {
      expect(ctx.event.context?.Woopra).toEqual({ sentBy: 'cloud' })
      expect(ctx.logs().filter((log) => log.level === 'error')).toEqual([])
    }
  })

  it('costs nothing but Woopra Web when the calls come before the failure', async () => {
    scriptAnswer()
    const seen: Context[] = []
    const analytics = loadAnalytics(otherDestination(seen))
    // Buffered before analytics has loaded, as the snippet's first page call is.
    const calls = Promise.all([analytics.page(), analytics.track('Early')])

    await until(scriptFailed)
    const [page, track] = await calls
    await settle()

    expect(unhandled).toEqual([])
    expect(pageErrors).toEqual([])
    expect(warnings.filter((warning) => warning.includes('Woopra'))).toHaveLength(1)
    expect(seen.map((ctx) => ctx.event.type)).toEqual(['page', 'track'])
    const cookie = (page.event.integrations?.Woopra as { cookie?: string } | undefined)?.cookie
    expect(cookie).toMatch(WOOPRA_ID)
    expect(track.event.integrations).toEqual({ 'Segment.io': false, Woopra: { cookie } })
    expect(cookieOf('wooTracker')).toBe(cookie)
  })
})
