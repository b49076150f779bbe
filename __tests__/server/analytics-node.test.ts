import nock from 'nock'
import { Analytics } from '@segment/analytics-node'
import { serverForSuite, SETTINGS, startServer, trackEvent, WOOPRA } from '../__helpers__/actions-server'

jest.setTimeout(60000)

// Segment's own Node.js library, pointed at the server with `host`, delivers to Woopra. It posts /v1/batch with its
// write key as Basic authorization, over the global fetch, which nock leaves alone: only Woopra is mocked.

const running = serverForSuite({ settings: SETTINGS, writeKey: 'wk_node' })

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
  // The server answers once it has taken the events; Woopra gets them after.
  await running.outcomes(3)

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

describe('against a slow Woopra', () => {
  it('300 events in one batch: answered at once, each event reaches Woopra exactly once, the client reports success', async () => {
    const slow = await startServer({ settings: SETTINGS, writeKey: 'wk_node' })
    try {
      const seen = new Map<string, number>()
      nock(WOOPRA)
        .get('/track/ce')
        .query(true)
        .times(300)
        .delay(50)
        .reply(200, function (uri) {
          const event = new URL(uri, WOOPRA).searchParams.get('event') ?? ''
          seen.set(event, (seen.get(event) ?? 0) + 1)
          return ''
        })
      // One request for all 300 (flushAt), with the client's default 10 s timeout: before, the server answered after
      // delivering them one at a time (15 s here), the client timed out and sent them again.
      const analytics = new Analytics({ writeKey: 'wk_node', host: slow.url, flushAt: 300, flushInterval: 60000 })
      const failures: unknown[] = []
      analytics.on('error', (error) => failures.push(error))
      for (let index = 0; index < 300; index++) {
        analytics.track({ userId: `user-${index % 30}`, event: `Event ${index}` })
      }
      await analytics.closeAndFlush()
      expect(failures).toEqual([])
      expect(slow.logs.filter((entry) => entry.msg === 'request refused')).toEqual([])

      await slow.outcomes(300)
      expect(seen.size).toBe(300)
      expect([...seen.values()].every((count) => count === 1)).toBe(true)
      expect(slow.logs.filter((entry) => entry.msg === 'event')).toHaveLength(300)
    } finally {
      await slow.server.close()
    }
  })

  it('a full queue answers 503; the client retries the whole batch and each event reaches Woopra once', async () => {
    const full = await startServer({ settings: SETTINGS, writeKey: 'wk_node', delivery: { maxQueued: 10 } })
    try {
      let release: () => void = () => undefined
      const gate = new Promise<void>((resolve) => (release = resolve))
      const seen = new Map<string, number>()
      nock(WOOPRA)
        .persist()
        .get('/track/ce')
        .query(true)
        .reply(async (uri) => {
          const event = new URL(uri, WOOPRA).searchParams.get('event') ?? ''
          seen.set(event, (seen.get(event) ?? 0) + 1)
          await gate
          return [200, '']
        })
      // Five events already wait for Woopra, held back.
      const waiting = Array.from({ length: 5 }, (_, index) =>
        trackEvent({ event: `Held ${index}`, messageId: `h-${index}` })
      )
      const headers = { authorization: `Basic ${Buffer.from('wk_node:').toString('base64')}` }
      expect((await full.post('/v1/batch', { batch: waiting }, headers)).status).toBe(200)

      // Ten more do not fit beside them: refused whole; Woopra is released once the refusal is logged.
      const analytics = new Analytics({ writeKey: 'wk_node', host: full.url, flushAt: 10, maxRetries: 10 })
      const failures: unknown[] = []
      analytics.on('error', (error) => failures.push(error))
      const refused = full.logged((entry) => entry.msg === 'request refused')
      for (let index = 0; index < 10; index++) analytics.track({ userId: 'user-1', event: `Sent ${index}` })
      expect(await refused).toMatchObject({ path: '/v1/batch', status: 503 })
      release()
      await analytics.closeAndFlush()

      expect(failures).toEqual([])
      await full.outcomes(15)
      expect(seen.size).toBe(15)
      expect([...seen.values()].every((count) => count === 1)).toBe(true)
    } finally {
      await full.server.close()
    }
  })
})
