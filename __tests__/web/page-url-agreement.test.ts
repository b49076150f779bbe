import nock from 'nock'
import { createTestEvent, createTestIntegration } from '@segment/actions-core'
import cloudDestination from '../../src/destinations/woopra'
import { pageUrlProperties } from '../../src/browser-destinations/woopra-web/src/trackPageView'

// One page, one URL: for the same page URL and the same Ignore Query In URLs setting, Woopra Web (Actions) and the
// cloud destination send the same url, uri and domain, as Woopra's tracker sends them for its own page views.

const cloud = createTestIntegration(cloudDestination)

// The browser function reads a relative URL against the page: the page here, in Node (the cloud side needs Node).
const page = globalThis as unknown as { location?: URL }
beforeAll(() => {
  page.location = new URL('https://www.example.com/')
})
afterAll(() => {
  delete page.location
})

async function cloudPageView(url: string, ignoreQueryUrl: boolean | undefined) {
  nock('https://www.woopra.com').get('/track/ce').query(true).reply(200, '')
  const [response] = await cloud.testAction('trackPageView', {
    event: createTestEvent({ type: 'page', anonymousId: 'anon-1', properties: { url } }),
    settings: { project: 'example.com', ignoreQueryUrl },
    mapping: { anonymous_id: { '@path': '$.anonymousId' }, page_url: { '@path': '$.properties.url' } }
  })
  const params = new URL(response.request.url).searchParams
  return { url: params.get('ce_url'), uri: params.get('ce_uri'), domain: params.get('ce_domain') }
}

describe.each([undefined, true, false])('with Ignore Query In URLs %p', (ignoreQueryUrl) => {
  it.each([
    'https://www.example.com/pricing/plans?plan=pro&period=year#faq',
    'https://shop.example.com:8443/users?page=2',
    'https://example.com/caf%C3%A9?q=cr%C3%A8me',
    'https://example.com/café?q=crème',
    'https://example.com/',
    'https://example.com/?utm_source=x'
  ])('%s is one URL in Woopra', async (pageUrl) => {
    const browser = pageUrlProperties(pageUrl, ignoreQueryUrl !== false)

    expect(await cloudPageView(pageUrl, ignoreQueryUrl)).toEqual(browser)
    expect(browser.uri).toBe(pageUrl)
    expect(browser.url.includes('?')).toBe(ignoreQueryUrl === false && new URL(pageUrl).search !== '')
  })
})
