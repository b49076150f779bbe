import nock from 'nock'
import { createTestEvent, createTestIntegration } from '@segment/actions-core'
import type { SegmentEvent } from '@segment/actions-core'
import Destination from '../../index'
import { WOOPRA, settings, TIMESTAMP, TIMESTAMP_MS, queryOf, endpointOf } from '../../__tests__/__helpers__/wire'

const testDestination = createTestIntegration(Destination)

const USER_AGENT =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1'

function pageEvent(overrides: Partial<SegmentEvent> = {}): SegmentEvent {
  return createTestEvent({
    type: 'page',
    event: undefined,
    userId: 'user-42',
    anonymousId: 'anon-7',
    timestamp: TIMESTAMP,
    properties: {},
    context: {
      ip: '203.0.113.9',
      locale: 'nl-NL',
      userAgent: USER_AGENT,
      page: {
        url: 'https://shop.example.com/context/page?from=context',
        title: 'Context Title',
        referrer: 'https://duckduckgo.com/'
      }
    },
    ...overrides
  })
}

/** The parameters every page view below carries besides its page parameters. */
const visit = {
  project: 'example.com',
  event: 'pv',
  cookie: 'anon-7',
  cv_id: 'user-42',
  timestamp: TIMESTAMP_MS,
  timeout: '60000',
  ip: '203.0.113.9',
  referer: 'https://duckduckgo.com/',
  language: 'nl-NL'
}

async function pageView(event: SegmentEvent, given: Record<string, unknown> = settings) {
  nock(WOOPRA).get('/track/ce').query(true).reply(200, '')
  const responses = await testDestination.testAction('trackPageView', {
    event,
    settings: given as typeof settings,
    useDefaultMappings: true
  })
  expect(responses).toHaveLength(1)
  expect(responses[0].options.method).toBe('GET')
  expect(endpointOf(responses[0])).toBe('https://www.woopra.com/track/ce')
  return responses[0]
}

describe('Woopra.trackPageView', () => {
  it('sends a page call as Woopra’s pv event with the url (path, no query), uri, domain and "category name" title of the page', async () => {
    const response = await pageView(
      pageEvent({
        name: 'Pricing',
        category: 'Docs',
        properties: {
          url: 'https://www.example.com/pricing/plans?plan=pro&period=year#faq',
          title: 'Pricing | Example',
          path: '/pricing/plans',
          referrer: 'https://duckduckgo.com/',
          search: '?plan=pro&period=year',
          experiment: 'B',
          visits: 3
        }
      })
    )

    expect(response.status).toBe(200)
    expect(queryOf(response)).toEqual({
      ...visit,
      ce_url: '/pricing/plans',
      ce_uri: 'https://www.example.com/pricing/plans?plan=pro&period=year#faq',
      ce_domain: 'www.example.com',
      ce_title: 'Docs Pricing',
      ce_path: '/pricing/plans',
      ce_referrer: 'https://duckduckgo.com/',
      ce_search: '?plan=pro&period=year',
      ce_experiment: 'B',
      ce_visits: '3'
    })
    expect(response.request.headers.get('user-agent')).toBe(USER_AGENT)
  })

  it('uses the page name alone as the title when there is no category', async () => {
    const response = await pageView(
      pageEvent({ name: 'Home', properties: { url: 'https://example.com/', title: 'Welcome!' } })
    )

    expect(queryOf(response)).toEqual({
      ...visit,
      ce_url: '/',
      ce_uri: 'https://example.com/',
      ce_domain: 'example.com',
      ce_title: 'Home'
    })
  })

  it('uses properties.title as the title when the page has no name, even with a category', async () => {
    const response = await pageView(
      pageEvent({ category: 'Blog', properties: { url: 'https://example.com/blog', title: 'All Posts' } })
    )

    expect(queryOf(response)).toEqual({
      ...visit,
      ce_url: '/blog',
      ce_uri: 'https://example.com/blog',
      ce_domain: 'example.com',
      ce_title: 'All Posts'
    })
  })

  it('falls back to context.page for the URL and the title when the properties have neither', async () => {
    const response = await pageView(pageEvent({ properties: { section: 'shop' } }))

    expect(queryOf(response)).toEqual({
      ...visit,
      ce_url: '/context/page',
      ce_uri: 'https://shop.example.com/context/page?from=context',
      ce_domain: 'shop.example.com',
      ce_title: 'Context Title',
      ce_section: 'shop'
    })
  })

  it('reads the path of a relative page URL and sends no domain', async () => {
    const response = await pageView(
      pageEvent({ name: 'Cart', properties: { url: '/cart?step=2' }, context: { userAgent: USER_AGENT } })
    )

    expect(queryOf(response)).toEqual({
      project: 'example.com',
      event: 'pv',
      cookie: 'anon-7',
      cv_id: 'user-42',
      timestamp: TIMESTAMP_MS,
      timeout: '60000',
      ce_url: '/cart',
      ce_uri: '/cart?step=2',
      ce_title: 'Cart'
    })
  })

  it('keeps the query in ce_url when Ignore Query In URLs is off, as the tracker with ignore_query_url false', async () => {
    const event = pageEvent({ name: 'Plans', properties: { url: 'https://example.com/plans?plan=pro&x=1#top' } })

    const kept = await pageView(event, { ...settings, ignoreQueryUrl: false })
    const dropped = await pageView(event, { ...settings, ignoreQueryUrl: true })

    expect(queryOf(kept)).toEqual({
      ...visit,
      ce_url: '/plans?plan=pro&x=1',
      ce_uri: 'https://example.com/plans?plan=pro&x=1#top',
      ce_domain: 'example.com',
      ce_title: 'Plans'
    })
    expect(queryOf(dropped)).toEqual({ ...queryOf(kept), ce_url: '/plans' })
  })

  it('round-trips a page URL with non-ASCII and reserved characters', async () => {
    const url = 'https://example.com/caf%C3%A9/men%C3%BC?q=cr%C3%A8me+br%C3%BBl%C3%A9e&x=a%26b'

    const response = await pageView(pageEvent({ name: 'Café & Menü', properties: { url } }), {
      ...settings,
      ignoreQueryUrl: false
    })

    const params = queryOf(response)
    expect(params.ce_uri).toBe(url)
    expect(params.ce_url).toBe('/caf%C3%A9/men%C3%BC?q=cr%C3%A8me+br%C3%BBl%C3%A9e&x=a%26b')
    expect(params.ce_domain).toBe('example.com')
    expect(params.ce_title).toBe('Café & Menü')
  })

  it('sends a raw non-ASCII page URL as given in ce_uri and percent-encoded in ce_url, as a browser reports its path', async () => {
    const response = await pageView(
      pageEvent({ name: 'Menu', properties: { url: 'https://example.com/café?q=crème' } })
    )

    const params = queryOf(response)
    expect(params.ce_uri).toBe('https://example.com/café?q=crème')
    expect(params.ce_url).toBe('/caf%C3%A9')
    expect(params.ce_domain).toBe('example.com')
  })

  it('sends the host name without the port as ce_domain', async () => {
    const response = await pageView(
      pageEvent({ name: 'Admin', properties: { url: 'https://admin.example.com:8443/users?page=2' } })
    )

    const params = queryOf(response)
    expect(params.ce_domain).toBe('admin.example.com')
    expect(params.ce_url).toBe('/users')
    expect(params.ce_uri).toBe('https://admin.example.com:8443/users?page=2')
  })

  it('sends a page view with Segment’s Woopra cookie and timeout and without a page URL', async () => {
    const response = await pageView(
      pageEvent({
        name: 'Landing',
        integrations: { Woopra: { cookie: 'amyJ0K8meemG' } } as unknown as SegmentEvent['integrations'],
        context: { Woopra: { timeout: 30000 } }
      })
    )

    expect(queryOf(response)).toEqual({
      project: 'example.com',
      event: 'pv',
      cookie: 'amyJ0K8meemG',
      cv_id: 'user-42',
      timestamp: TIMESTAMP_MS,
      timeout: '30000',
      ce_title: 'Landing'
    })
    expect(response.request.headers.get('user-agent')).toBe('Segment (Actions)')
  })

  it('sends a custom mapping: page URL and title from other paths, page properties from a chosen object', async () => {
    nock(WOOPRA).get('/track/ce').query(true).reply(200, '')

    const responses = await testDestination.testAction('trackPageView', {
      event: pageEvent({
        name: 'ignored',
        properties: { canonical: 'https://docs.example.com/guide/start?lang=en', heading: 'Getting started' },
        context: { userAgent: USER_AGENT, app: { build: '1.2.3', channel: 'beta' } }
      }),
      settings,
      mapping: {
        cookie: { '@path': '$.anonymousId' },
        page_url: { '@path': '$.properties.canonical' },
        page_title: { '@path': '$.properties.heading' },
        properties: { '@path': '$.context.app' },
        user_agent: { '@path': '$.context.userAgent' },
        visit_properties: { channel: { '@path': '$.context.app.channel' } }
      }
    })

    expect(responses).toHaveLength(1)
    expect(endpointOf(responses[0])).toBe('https://www.woopra.com/track/ce')
    expect(queryOf(responses[0])).toEqual({
      project: 'example.com',
      event: 'pv',
      cookie: 'anon-7',
      ce_url: '/guide/start',
      ce_uri: 'https://docs.example.com/guide/start?lang=en',
      ce_domain: 'docs.example.com',
      ce_title: 'Getting started',
      timeout: '60000',
      ce_build: '1.2.3',
      ce_channel: 'beta',
      cs_channel: 'beta'
    })
    expect(responses[0].request.headers.get('user-agent')).toBe(USER_AGENT)
  })

  it('lets the computed ce_url, ce_uri, ce_domain and ce_title win over page properties of the same names', async () => {
    const response = await pageView(
      pageEvent({
        name: 'Signup',
        properties: {
          url: 'https://example.com/signup?ref=nav',
          uri: 'property-uri',
          domain: 'property-domain',
          title: 'Property Title'
        }
      })
    )

    const entries = [...new URL(response.request.url).searchParams]
    for (const key of ['ce_url', 'ce_uri', 'ce_domain', 'ce_title']) {
      expect(entries.filter(([name]) => name === key)).toHaveLength(1)
    }
    expect(queryOf(response)).toEqual({
      ...visit,
      ce_url: '/signup',
      ce_uri: 'https://example.com/signup?ref=nav',
      ce_domain: 'example.com',
      ce_title: 'Signup'
    })
  })
})
