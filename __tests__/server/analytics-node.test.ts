import nock from 'nock'
import { Analytics } from '@segment/analytics-node'
import { SETTINGS, startServer } from '../__helpers__/actions-server'
import type { RunningServer } from '../__helpers__/actions-server'

// Segment's own Node.js library, pointed at the server with `host`, delivers to Woopra. It posts /v1/batch with its
// write key as Basic authorization, over the global fetch, which nock leaves alone: only Woopra is mocked.

let running: RunningServer

beforeAll(async () => {
  running = await startServer({ settings: SETTINGS, writeKey: 'wk_node' })
})

afterAll(async () => {
  await running.server.close()
})

it('delivers identify, track and page calls from @segment/analytics-node to Woopra', async () => {
  const calls: { path: string; query: Record<string, string> }[] = []
  nock('https://www.woopra.com')
    .get(/^\/track\/(identify|ce)/)
    .query(true)
    .times(3)
    .reply(200, function (uri) {
      const url = new URL(uri, 'https://www.woopra.com')
      calls.push({ path: url.pathname, query: Object.fromEntries(url.searchParams) })
      return ''
    })
  const analytics = new Analytics({ writeKey: 'wk_node', host: running.url, flushInterval: 60000 })
  const failures: unknown[] = []
  analytics.on('error', (error) => failures.push(error))
  const at = new Date('2024-01-02T03:04:05.000Z')

  analytics.identify({ userId: 'user-1', traits: { email: 'jane@example.com', plan: 'pro' }, timestamp: at })
  analytics.track({ userId: 'user-1', event: 'Order Completed', properties: { total: 19.99 }, timestamp: at })
  analytics.page({
    userId: 'user-1',
    name: 'Pricing',
    properties: { url: 'https://example.com/pricing' },
    timestamp: at
  })
  await analytics.closeAndFlush()

  expect(failures).toEqual([])
  expect(calls.map((call) => call.path)).toEqual(['/track/identify', '/track/ce', '/track/ce'])
  // Segment corrects each timestamp for the time between the client's sentAt and the server's receivedAt.
  const timestamps = calls.map((call) => Number(call.query.timestamp) - at.getTime())
  for (const lag of timestamps) {
    expect(lag).toBeGreaterThanOrEqual(0)
    expect(lag).toBeLessThan(5000)
  }
  const withoutTime = calls.map(({ query }) => ({ ...query, timestamp: undefined }))
  expect(withoutTime).toEqual([
    {
      project: 'example.com',
      cv_id: 'user-1',
      cv_email: 'jane@example.com',
      timestamp: undefined,
      timeout: '60000',
      cv_plan: 'pro'
    },
    {
      project: 'example.com',
      event: 'Order Completed',
      cv_id: 'user-1',
      timestamp: undefined,
      timeout: '60000',
      ce_total: '19.99'
    },
    {
      project: 'example.com',
      event: 'pv',
      cv_id: 'user-1',
      ce_url: '/pricing',
      ce_uri: 'https://example.com/pricing',
      ce_domain: 'example.com',
      ce_title: 'Pricing',
      timestamp: undefined,
      timeout: '60000'
    }
  ])
  expect(running.logs.map((entry) => [entry.route, entry.type, entry.action, entry.status])).toEqual([
    ['/v1/batch', 'identify', 'identifyUser', 200],
    ['/v1/batch', 'track', 'trackEvent', 200],
    ['/v1/batch', 'page', 'trackPageView', 200]
  ])
})
