/**
 * @jest-environment jsdom
 */
import { Context } from '@segment/analytics-next'
import { actionSubscription, pluginsWithTracker, resetPage } from '../../test-utilities'

const defaultSubscription = actionSubscription('trackPageView', 'Page Calls', 'type = "page"')

/** The page the calls below are made on, as analytics.js describes it in the properties and context of a page call. */
const PAGE = {
  path: '/docs/intro',
  referrer: 'https://search.example.org/',
  search: '?ref=ad',
  title: 'Intro – Docs',
  url: 'https://shop.example.com/docs/intro?ref=ad'
}

/** What Woopra gets for that page: the path as `url` (the query ignored by default), the full URL as `uri`, the host. */
const SENT = {
  ...PAGE,
  url: '/docs/intro',
  uri: 'https://shop.example.com/docs/intro?ref=ad',
  domain: 'shop.example.com'
}

/**
 * A page call as analytics.js builds it for `page(category, name, properties)`: the page's properties (with its
 * document title), the name and category among them, and the page again in the context. Built here rather than by
 * analytics.page(), which fills them in only in some analytics-next versions (not the monorepo's).
 */
function pageCall(category?: string, name?: string, properties: Record<string, unknown> = {}): Context {
  const named = { ...(category ? { category } : {}), ...(name ? { name } : {}) }
  return new Context({
    type: 'page',
    ...named,
    properties: { ...PAGE, ...properties, ...named },
    context: { page: PAGE }
  })
}

beforeEach(() => {
  resetPage()
})

describe('trackPageView', () => {
  it('tracks a pv titled "category name", with the page URL and every page property', async () => {
    const { plugins, tracker } = await pluginsWithTracker([defaultSubscription])

    await plugins[0].page?.(pageCall('Docs', 'Intro', { plan: 'pro' }))

    expect(tracker.calls).toEqual([
      ['track', 'pv', { ...SENT, title: 'Docs Intro', name: 'Intro', category: 'Docs', plan: 'pro' }, {}]
    ])
  })

  it('titles a page with a name only by its name', async () => {
    const { plugins, tracker } = await pluginsWithTracker([defaultSubscription])

    await plugins[0].page?.(pageCall(undefined, 'Pricing'))

    expect(tracker.calls).toEqual([['track', 'pv', { ...SENT, title: 'Pricing', name: 'Pricing' }, {}]])
  })

  it('titles an unnamed page with the document title', async () => {
    const { plugins, tracker } = await pluginsWithTracker([defaultSubscription])

    await plugins[0].page?.(pageCall())

    expect(tracker.calls).toEqual([['track', 'pv', { ...SENT, title: 'Intro – Docs' }, {}]])
  })

  it('falls back to the page context when the properties carry no URL or title', async () => {
    const { plugins, tracker } = await pluginsWithTracker([defaultSubscription])
    const event = {
      type: 'page' as const,
      properties: { section: 'docs' },
      context: { page: { url: 'https://shop.example.com/a', title: 'A', path: '/a' } }
    }

    await plugins[0].page?.(new Context(event))

    expect(tracker.calls).toEqual([
      [
        'track',
        'pv',
        { section: 'docs', url: '/a', uri: 'https://shop.example.com/a', domain: 'shop.example.com', title: 'A' },
        {}
      ]
    ])
  })

  it('falls back to the page context when the URL and title properties are empty, not only when missing', async () => {
    const { plugins, tracker } = await pluginsWithTracker([defaultSubscription])
    const event = {
      type: 'page' as const,
      properties: { url: '', title: '' },
      context: { page: { url: 'https://shop.example.com/a', title: 'A' } }
    }

    await plugins[0].page?.(new Context(event))

    expect(tracker.calls).toEqual([
      ['track', 'pv', { url: '/a', uri: 'https://shop.example.com/a', domain: 'shop.example.com', title: 'A' }, {}]
    ])
  })

  it('keeps a page property named timeout as a property', async () => {
    const { plugins, tracker } = await pluginsWithTracker([defaultSubscription])

    await plugins[0].page?.(new Context({ type: 'page', name: 'Home', properties: { timeout: 1, url: '/' } }))

    // A relative URL is read against the page, as the tracker fills in the host (this package's test page is on
    // localhost, the monorepo's on segment.com).
    expect(tracker.calls).toEqual([
      ['track', 'pv', { timeout: 1, url: '/', uri: '/', domain: location.hostname, title: 'Home' }, {}]
    ])
  })

  it('follows a custom mapping', async () => {
    const custom = {
      ...defaultSubscription,
      mapping: {
        page_url: { '@path': '$.properties.canonical' },
        page_title: { '@path': '$.properties.heading' },
        properties: { section: { '@path': '$.properties.section' } }
      }
    }
    const { plugins, tracker } = await pluginsWithTracker([custom])
    const properties = { canonical: 'https://shop.example.com/docs', heading: 'Docs', section: 'help', url: '/x' }

    await plugins[0].page?.(new Context({ type: 'page', name: 'Ignored', properties }))

    expect(tracker.calls).toEqual([
      [
        'track',
        'pv',
        {
          section: 'help',
          url: '/docs',
          uri: 'https://shop.example.com/docs',
          domain: 'shop.example.com',
          title: 'Docs'
        },
        {}
      ]
    ])
  })

  it.each([
    [undefined, '/plans'],
    [true, '/plans'],
    [false, '/plans?plan=pro&x=1']
  ])(
    'sends the path as url, with the query only when Ignore Query In URLs is off (%p), as the cloud sends ce_url',
    async (ignoreQueryUrl, url) => {
      const { plugins, tracker } = await pluginsWithTracker([defaultSubscription], {
        domain: 'example.com',
        ignoreQueryUrl
      })

      await plugins[0].page?.(
        new Context({ type: 'page', name: 'Plans', properties: { url: 'https://example.com/plans?plan=pro&x=1#top' } })
      )

      expect(tracker.calls).toEqual([
        [
          'track',
          'pv',
          { url, uri: 'https://example.com/plans?plan=pro&x=1#top', domain: 'example.com', title: 'Plans' },
          {}
        ]
      ])
    }
  )

  it('sends an unreadable page URL as uri, and its url property as given (as the cloud does)', async () => {
    const { plugins, tracker } = await pluginsWithTracker([defaultSubscription])

    await plugins[0].page?.(new Context({ type: 'page', name: 'Odd', properties: { url: 'http://[bad' } }))

    expect(tracker.calls).toEqual([['track', 'pv', { url: 'http://[bad', uri: 'http://[bad', title: 'Odd' }, {}]])
  })
})
