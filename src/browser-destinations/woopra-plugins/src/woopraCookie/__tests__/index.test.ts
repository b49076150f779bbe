/**
 * @jest-environment jsdom
 */
import { Analytics, Context } from '@segment/analytics-next'
import { destination } from '../../index'
import { cookiePlugin, cookieSubscription, pluginsFor } from '../../test-utilities'

const COOKIE = 'Zx81Qa7Lm0Pw'

/** A deep copy (jsdom has no structuredClone): the values compared with are plain JSON. */
function copyOf<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}

function clearCookies() {
  for (const entry of document.cookie.split(';')) {
    const name = entry.split('=')[0].trim()
    if (name) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`
  }
}

/** Every cookie this page writes, as written (name, value and attributes). */
function cookieWrites(): string[] {
  const writes: string[] = []
  const setter = jest.spyOn(document, 'cookie', 'set')
  const write = setter.getMockImplementation()
  setter.mockImplementation(function (this: Document, text: string) {
    writes.push(text)
    write?.call(this, text)
  })
  return writes
}

const WOOPRA_ID = /^[0-9A-Za-z]{12}$/
const DAY_MS = 24 * 60 * 60 * 1000

/** The parts of a cookie as written: its name=value, then each attribute by name. */
function attributesOf(written: string): Record<string, string> {
  const [pair, ...attributes] = written.split('; ')
  return Object.fromEntries([['cookie', pair], ...attributes.map((a) => [a.split('=')[0], a.split('=')[1] ?? ''])])
}

beforeEach(() => {
  clearCookies()
  delete (window as unknown as Record<string, unknown>).woopra
  history.replaceState(null, '', '/')
})

afterEach(() => {
  jest.restoreAllMocks()
})

describe('woopraCookie', () => {
  it('is an enrichment plugin of the cloud destination, for every event type', async () => {
    const plugin = await cookiePlugin()
    expect(destination.name).toBe('Woopra (Actions)')
    expect(plugin.name).toBe('Woopra (Actions) woopraCookie')
    expect(plugin.type).toBe('enrichment')
    expect(cookieSubscription.subscribe).toBe(
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
    const [plugin] = await pluginsFor({ subscriptions: [cookieSubscription] })
    await analytics.register(plugin)

    const ctx = await analytics.track('Order Completed', { total: 3 }, { integrations: { Woopra: { timeout: 30 } } })

    expect(ctx.event.integrations).toEqual({ Woopra: { timeout: 30, cookie: COOKIE } })
  })

  it('writes a cookie in Woopra’s format when the browser has none, before the first event leaves, and keeps it', async () => {
    const plugin = await cookiePlugin()
    const writes = cookieWrites()

    const first = await plugin.track?.(new Context({ type: 'page', name: 'Home' }))
    const second = await plugin.track?.(new Context({ type: 'track', event: 'Signed Up' }))

    const id = (first?.event.integrations?.Woopra as { cookie: string }).cookie
    expect(id).toMatch(WOOPRA_ID)
    expect(second?.event.integrations).toEqual({ Woopra: { cookie: id } })
    expect(document.cookie).toBe(`wooTracker=${id}`)
    // Written once, as w.js writes it on this page: its default domain and path, two years, Secure on https only (this
    // package's Jest runs on http://localhost, the monorepo's on https://segment.com).
    expect(writes).toHaveLength(1)
    const { expires, ...attributes } = attributesOf(writes[0])
    const secure = location.protocol === 'https:' ? { secure: '' } : {}
    expect(attributes).toEqual({ cookie: `wooTracker=${id}`, path: '/', domain: `.${location.hostname}`, ...secure })
    expect(Math.abs(Date.parse(expires) - (Date.now() + 730 * DAY_MS))).toBeLessThan(60000)
  })

  it('gives each new visitor an identifier of their own', async () => {
    const plugin = await cookiePlugin()
    const ids = new Set<unknown>()
    for (let visitor = 0; visitor < 20; visitor++) {
      clearCookies()
      const enriched = await plugin.track?.(new Context({ type: 'track', event: 'X' }))
      ids.add((enriched?.event.integrations?.Woopra as { cookie: string }).cookie)
    }
    expect(ids.size).toBe(20)
  })

  it('never replaces the cookie a returning visitor has', async () => {
    document.cookie = `wooTracker=${COOKIE}; path=/`
    const plugin = await cookiePlugin()
    const writes = cookieWrites()

    const enriched = await plugin.track?.(new Context({ type: 'track', event: 'X' }))

    expect(enriched?.event.integrations).toEqual({ Woopra: { cookie: COOKIE } })
    expect(writes).toEqual([])
  })

  it('writes the cookie under the name, domain and path of the settings', async () => {
    const host = location.hostname
    const plugin = await cookiePlugin({ cookieName: 'shopVisitor', cookieDomain: ` ${host} `, cookiePath: '/' })
    const writes = cookieWrites()

    const enriched = await plugin.track?.(new Context({ type: 'track', event: 'X' }))

    const id = (enriched?.event.integrations?.Woopra as { cookie: string }).cookie
    expect(id).toMatch(WOOPRA_ID)
    expect(document.cookie).toBe(`shopVisitor=${id}`)
    expect(writes.map((written) => ({ ...attributesOf(written), expires: '' }))).toEqual([
      {
        cookie: `shopVisitor=${id}`,
        path: '/',
        domain: host,
        expires: '',
        ...(location.protocol === 'https:' ? { secure: '' } : {})
      }
    ])
  })

  it('falls back to a cookie of this host alone when the browser refuses the cookie domain', async () => {
    const plugin = await cookiePlugin({ cookieDomain: '.other-site.com' })
    const writes = cookieWrites()

    const enriched = await plugin.track?.(new Context({ type: 'track', event: 'X' }))

    const id = (enriched?.event.integrations?.Woopra as { cookie: string }).cookie
    expect(document.cookie).toBe(`wooTracker=${id}`)
    expect(writes.map((written) => attributesOf(written).domain)).toEqual(['.other-site.com', undefined])
  })

  it('adds nothing when the browser keeps no cookie (a path this page is not under)', async () => {
    const plugin = await cookiePlugin({ cookiePath: '/elsewhere' })
    const event = { type: 'track' as const, event: 'X', properties: { a: 1 }, integrations: { Amplitude: true } }

    const enriched = await plugin.track?.(new Context(copyOf(event)))

    expect(enriched?.event).toEqual(event)
    expect(document.cookie).toBe('')
  })

  it('gives the cookie the identifier of a tracker that already runs without one', async () => {
    // w.js keeps its identifier in memory when the browser refused its own cookie.
    ;(window as unknown as Record<string, unknown>).woopra = { loaded: true, cookie: 'Tr4ck3rOwnId' }
    const plugin = await cookiePlugin()

    const enriched = await plugin.track?.(new Context({ type: 'track', event: 'X' }))

    expect(enriched?.event.integrations).toEqual({ Woopra: { cookie: 'Tr4ck3rOwnId' } })
    expect(document.cookie).toBe('wooTracker=Tr4ck3rOwnId')
  })

  it('takes the identifier a cross-domain link carries (__woopraid), as the tracker does', async () => {
    history.replaceState(null, '', '/landing?utm_source=partner&__woopraid=L1nk3dV1s1t0&x=1#top')
    const plugin = await cookiePlugin()

    const enriched = await plugin.track?.(new Context({ type: 'page' }))

    expect(enriched?.event.integrations).toEqual({ Woopra: { cookie: 'L1nk3dV1s1t0' } })
    expect(document.cookie).toBe('wooTracker=L1nk3dV1s1t0')
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

  it.each([
    [{ Woopra: false }],
    [{ Woopra: 0 }],
    [{ Woopra: '' }],
    [{ All: false }],
    [{ All: false, Woopra: null }],
    [{ All: false, Amplitude: true }]
  ])('does not change where an event goes: %p stays as it is, and writes no cookie', async (integrations) => {
    // A copy taken before: the plugin changes the event's own integrations object in place.
    const before = copyOf(integrations)
    const plugin = await cookiePlugin()

    const enriched = await plugin.track?.(
      new Context({ type: 'track', event: 'X', integrations: integrations as Record<string, boolean> })
    )

    expect(enriched?.event.integrations).toEqual(before)
    expect(document.cookie).toBe('')
  })

  it.each([[{ All: false, Woopra: true }], [{ All: false, Woopra: {} }], [{ Woopra: true }], [{ Woopra: 1 }]])(
    'adds the cookie to an event that %p sends to Woopra',
    async (integrations) => {
      document.cookie = `wooTracker=${COOKIE}; path=/`
      const plugin = await cookiePlugin()

      const before = copyOf(integrations)

      const enriched = await plugin.track?.(
        new Context({ type: 'track', event: 'X', integrations: integrations as Record<string, boolean> })
      )

      expect(enriched?.event.integrations).toEqual({ ...before, Woopra: { cookie: COOKIE } })
    }
  )
})
