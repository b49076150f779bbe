import nock from 'nock'
import {
  QUICK_RETRIES,
  serverForSuite,
  SETTINGS,
  startServer,
  TRACK_EVENT_QUERY,
  trackEvent,
  WOOPRA
} from '../__helpers__/actions-server'

// Segment's HTTP Tracking API: each request is accepted, answered, and its events delivered in the background through
// the destination's presets. Tests wait for the log line that ends each event, never for time.

jest.setTimeout(30000)

const basic = (user: string) => `Basic ${Buffer.from(`${user}:`).toString('base64')}`

const running = serverForSuite({ settings: SETTINGS, delivery: QUICK_RETRIES })

describe('single-event routes', () => {
  it('POST /v1/track answers {success: true}, then delivers to /track/ce through the Track Calls preset', async () => {
    const scope = nock(WOOPRA)
      .get('/track/ce')
      .query(TRACK_EVENT_QUERY)
      .matchHeader('user-agent', 'Mozilla/5.0 (Test)')
      .reply(200)

    // The route gives the type: a message without one is a track call here.
    const { status, body } = await running.post('/v1/track', { ...trackEvent(), type: undefined })

    expect(status).toBe(200)
    expect(body).toEqual({ success: true })
    await running.outcomes(1)
    expect(scope.isDone()).toBe(true)
    expect(running.logs).toEqual([
      {
        level: 'info',
        msg: 'event',
        route: '/v1/track',
        type: 'track',
        messageId: 'message-1',
        action: 'trackEvent',
        endpoint: '/track/ce',
        status: 200,
        attempts: 1,
        durationMs: expect.any(Number)
      }
    ])
  })

  it('POST /v1/identify delivers to /track/identify and /v1/page to /track/ce as a pv event', async () => {
    const identify = nock(WOOPRA)
      .get('/track/identify')
      .query({
        project: 'example.com',
        cookie: 'anon-1',
        cv_id: 'user-1',
        cv_email: 'jane@example.com',
        cv_name: 'Jane Doe',
        timestamp: '1704164645000',
        timeout: '60000'
      })
      .reply(200)
    const page = nock(WOOPRA)
      .get('/track/ce')
      .query({
        project: 'example.com',
        event: 'pv',
        cookie: 'anon-1',
        ce_url: '/docs',
        ce_uri: 'https://example.com/docs',
        ce_domain: 'example.com',
        ce_title: 'Docs',
        timestamp: '1704164645000',
        timeout: '60000'
      })
      .reply(200)
    const base = { anonymousId: 'anon-1', timestamp: '2024-01-02T03:04:05.000Z' }

    await running.post('/v1/identify', {
      ...base,
      userId: 'user-1',
      traits: { email: 'jane@example.com', name: 'Jane Doe' }
    })
    await running.post('/v1/page', { ...base, name: 'Docs', context: { page: { url: 'https://example.com/docs' } } })
    await running.outcomes(2)

    expect(identify.isDone()).toBe(true)
    expect(page.isDone()).toBe(true)
    expect(running.logs.map((entry) => [entry.type, entry.action, entry.endpoint])).toEqual([
      ['identify', 'identifyUser', '/track/identify'],
      ['page', 'trackPageView', '/track/ce']
    ])
  })

  it.each(['screen', 'group', 'alias'])('POST /v1/%s is accepted and skipped: no preset matches it', async (type) => {
    const { status, body } = await running.post(`/v1/${type}`, { userId: 'user-1', groupId: 'g-1', previousId: 'p-1' })
    expect(status).toBe(200)
    expect(body).toEqual({ success: true })
    await running.outcomes(1)
    expect(running.logs).toEqual([
      expect.objectContaining({ level: 'info', msg: 'event skipped', type, action: null, reason: expect.any(String) })
    ])
    expect(nock.pendingMocks()).toEqual([])
  })

  it("skips, with the reason, a browser event the cookie plugin marked as sent by Woopra's browser tracker", async () => {
    const other = nock(WOOPRA).get('/track/ce').query(true).reply(200)
    const fromBrowser = (sentBy: string, messageId: string) => ({
      ...trackEvent(),
      messageId,
      context: { Woopra: { sentBy } }
    })

    await running.post('/v1/track', fromBrowser('tracker', 'message-tracker'))
    await running.post('/v1/track', fromBrowser('cloud', 'message-cloud'))
    await running.outcomes(2)

    expect(other.isDone()).toBe(true)
    expect(running.logs.map((entry) => [entry.messageId, entry.msg, entry.reason])).toEqual(
      expect.arrayContaining([
        [
          'message-tracker',
          'event skipped',
          'Woopra\'s browser tracker sends it itself (context.Woopra.sentBy is "tracker", set by the Woopra cookie plugin): sending it from here too would count it twice.'
        ],
        ['message-cloud', 'event', undefined]
      ])
    )
    expect(running.logs).toHaveLength(2)
    expect(nock.pendingMocks()).toEqual([])
  })

  it('takes text/plain, which Segment’s browser library sends', async () => {
    const scope = nock(WOOPRA).get('/track/ce').query(true).reply(200)
    const { status } = await running.post('/v1/track', trackEvent(), { 'content-type': 'text/plain' })
    expect(status).toBe(200)
    await running.outcomes(1)
    expect(scope.isDone()).toBe(true)
  })
})

describe('the short paths of analytics.js', () => {
  const keyed = () => startServer({ settings: SETTINGS, writeKey: 'wk_web' })

  it.each([
    ['/v1/t', 'track', '/track/ce'],
    ['/v1/i', 'identify', '/track/identify'],
    ['/v1/p', 'page', '/track/ce']
  ])('%s takes a %s as text/plain with the write key in the body', async (path, type, endpoint) => {
    const web = await keyed()
    try {
      const scope = nock(WOOPRA).get(endpoint).query(true).reply(200)
      const message = { ...trackEvent(), type, writeKey: 'wk_web' }
      const { status, body } = await web.post(path, JSON.stringify(message), { 'content-type': 'text/plain' })
      expect(status).toBe(200)
      expect(body).toEqual({ success: true })
      const [outcome] = await web.outcomes(1)
      expect(outcome).toMatchObject({ msg: 'event', route: path, type, endpoint, status: 200 })
      expect(scope.isDone()).toBe(true)
      expect((await web.post(path, { ...message, writeKey: 'wk_other' })).status).toBe(401)
    } finally {
      await web.server.close()
    }
  })

  it.each([
    ['/v1/s', 'screen'],
    ['/v1/g', 'group'],
    ['/v1/a', 'alias']
  ])('%s takes a %s (skipped: no preset)', async (path, type) => {
    const { status } = await running.post(path, { userId: 'user-1' }, { 'content-type': 'text/plain' })
    expect(status).toBe(200)
    expect(await running.outcomes(1)).toEqual([expect.objectContaining({ msg: 'event skipped', route: path, type })])
  })

  it('/v1/b takes a batch', async () => {
    const scope = nock(WOOPRA).get('/track/ce').query(true).times(2).reply(200)
    const { status } = await running.post('/v1/b', { batch: [trackEvent(), trackEvent({ messageId: 'message-2' })] })
    expect(status).toBe(200)
    const outcomes = await running.outcomes(2)
    expect(outcomes.map((entry) => [entry.route, entry.messageId, entry.status])).toEqual([
      ['/v1/b', 'message-1', 200],
      ['/v1/b', 'message-2', 200]
    ])
    expect(scope.isDone()).toBe(true)
  })
})

describe('POST /v1/batch', () => {
  it('delivers each message of a visitor in order, with the batch context under each message’s own', async () => {
    const seen: string[] = []
    nock(WOOPRA)
      .get(/\/track\/(ce|identify)/)
      .query(true)
      .times(3)
      .reply(200, function (uri) {
        seen.push(uri)
        return ''
      })

    const { status, body } = await running.post('/v1/batch', {
      context: { ip: '198.51.100.1', locale: 'fr-FR' },
      batch: [
        { type: 'identify', userId: 'user-1', traits: { plan: 'pro' } },
        { type: 'track', userId: 'user-1', event: 'First', context: { locale: 'de-DE' } },
        { type: 'group', userId: 'user-1', groupId: 'g-1' },
        { type: 'track', userId: 'user-1', event: 'Second' }
      ]
    })

    expect(status).toBe(200)
    expect(body).toEqual({ success: true })
    await running.outcomes(4)
    const queries = seen.map((uri) => Object.fromEntries(new URL(uri, WOOPRA).searchParams))
    expect(seen.map((uri) => new URL(uri, WOOPRA).pathname)).toEqual(['/track/identify', '/track/ce', '/track/ce'])
    expect(queries.map((query) => [query.event, query.ip, query.language])).toEqual([
      [undefined, '198.51.100.1', 'fr-FR'],
      ['First', '198.51.100.1', 'de-DE'],
      ['Second', '198.51.100.1', 'fr-FR']
    ])
    expect(queries[0].cv_plan).toBe('pro')
    expect(running.logs.map((entry) => entry.msg)).toEqual(['event', 'event', 'event skipped', 'event'])
  })

  it('drops and logs a message without a type, an id or (for a track) an event name, and delivers the rest', async () => {
    const scope = nock(WOOPRA).get('/track/ce').query(true).reply(200)

    const { status } = await running.post('/v1/batch', {
      batch: [
        { userId: 'user-1', event: 'No type' },
        { type: 'track', event: 'No id' },
        { type: 'track', userId: 'user-1', event: ' ' },
        'text',
        trackEvent()
      ]
    })

    expect(status).toBe(200)
    await running.outcomes(5)
    expect(scope.isDone()).toBe(true)
    expect(running.logs.map((entry) => [entry.msg, entry.reason])).toEqual([
      ['event dropped', expect.stringMatching(/must be an object with a `type`/)],
      ['event dropped', 'The message has neither a userId nor an anonymousId.'],
      ['event dropped', 'A track message must have an `event` name.'],
      ['event dropped', expect.stringMatching(/must be an object with a `type`/)],
      ['event', undefined]
    ])
  })

  it('refuses a batch without a batch array with 400', async () => {
    const { status, body } = await running.post('/v1/batch', { messages: [] })
    expect(status).toBe(400)
    expect(body).toEqual({ success: false, error: 'A batch must have a `batch` array of messages.' })
  })

  it('delivers a batch of 200 events for 20 visitors, each exactly once, each visitor’s in order', async () => {
    const seen: Record<string, string>[] = []
    nock(WOOPRA)
      .get('/track/ce')
      .query(true)
      .times(200)
      .delay(5)
      .reply(200, function (uri) {
        seen.push(Object.fromEntries(new URL(uri, WOOPRA).searchParams))
        return ''
      })
    const batch = Array.from({ length: 200 }, (_, index) => ({
      type: 'track',
      userId: `user-${index % 20}`,
      event: `Event ${Math.floor(index / 20)}`,
      messageId: `m-${index}`
    }))

    expect((await running.post('/v1/batch', { batch })).status).toBe(200)
    await running.outcomes(200)

    expect(seen).toHaveLength(200)
    for (let visitor = 0; visitor < 20; visitor++) {
      const events = seen.filter((query) => query.cv_id === `user-${visitor}`).map((query) => query.event)
      expect(events).toEqual(Array.from({ length: 10 }, (_, index) => `Event ${index}`))
    }
  })
})

describe("Segment's size limits", () => {
  it('refuses a single message over 32 KB with 400, declared or streamed', async () => {
    const big = trackEvent({ properties: { notes: 'x'.repeat(33 * 1024) } })
    const { status, body } = await running.post('/v1/track', big)
    expect(status).toBe(400)
    expect(body).toEqual({ success: false, error: "A message must be at most 32 KB (Segment's limit)." })

    const streamed = await running.postStreamed('/v1/track', JSON.stringify(big))
    expect(streamed.status).toBe(400)
    expect(running.logs.filter((entry) => entry.msg !== 'request refused')).toEqual([])
  })

  it('refuses a batch over 500 KB with 400', async () => {
    const batch = Array.from({ length: 40 }, (_, index) =>
      trackEvent({ messageId: `m-${index}`, properties: { notes: 'x'.repeat(13 * 1024) } })
    )
    const { status, body } = await running.post('/v1/batch', { batch })
    expect(status).toBe(400)
    expect(body).toEqual({ success: false, error: "A batch must be at most 500 KB (Segment's limit)." })
  })

  it('refuses a whole batch with 400 when one message is over 32 KB, and delivers none of it', async () => {
    const batch = [trackEvent(), trackEvent({ messageId: 'big', properties: { notes: 'x'.repeat(33 * 1024) } })]
    const { status, body } = await running.post('/v1/batch', { batch })
    expect(status).toBe(400)
    expect(body.error).toBe("Message 2 of the batch is larger than 32 KB (Segment's limit for a message).")
    expect(running.logs.map((entry) => entry.msg)).toEqual(['request refused'])
    expect(running.server.pendingEvents()).toBe(0)
  })

  it('takes a message just under 32 KB', async () => {
    nock(WOOPRA).post('/track/ce').reply(200)
    const event = trackEvent({ properties: { notes: 'x'.repeat(31 * 1024) } })
    expect((await running.post('/v1/track', event)).status).toBe(200)
    expect(await running.outcomes(1)).toEqual([expect.objectContaining({ msg: 'event', status: 200 })])
  })
})

describe('the integrations object', () => {
  it.each([
    ['All: false', { All: false }],
    ['Woopra: false', { Woopra: false }],
    ['Woopra: 0', { Woopra: 0 }],
    ['"Woopra (Actions)": false', { 'Woopra (Actions)': false }],
    ['All: true, Woopra: false', { All: true, Woopra: false }]
  ])('%s: the event is skipped and logged, nothing is sent', async (_name, integrations) => {
    const { status } = await running.post('/v1/track', trackEvent({ integrations }))
    expect(status).toBe(200)
    expect(await running.outcomes(1)).toEqual([
      expect.objectContaining({
        level: 'info',
        msg: 'event skipped',
        messageId: 'message-1',
        action: null,
        reason: 'Its `integrations` turn "Woopra" and "Woopra (Actions)" off.'
      })
    ])
    expect(running.server.pendingEvents()).toBe(0)
  })

  it.each([
    ['All: false, Woopra: true', { All: false, Woopra: true }],
    ['All: false, Woopra: { cookie }', { All: false, Woopra: { cookie: 'wooTracker-1' } }],
    ['All: false, "Woopra (Actions)": true', { All: false, 'Woopra (Actions)': true }],
    ['woopra: false (other casing: not ours)', { woopra: false }]
  ])('%s: the event is delivered', async (_name, integrations) => {
    const scope = nock(WOOPRA).get('/track/ce').query(true).reply(200)
    await running.post('/v1/track', trackEvent({ integrations }))
    expect(await running.outcomes(1)).toEqual([expect.objectContaining({ msg: 'event', status: 200 })])
    expect(scope.isDone()).toBe(true)
  })

  it('reads the batch’s integrations under each message’s own', async () => {
    const scope = nock(WOOPRA)
      .get('/track/ce')
      .query({ ...TRACK_EVENT_QUERY, event: 'Kept' })
      .reply(200)
    await running.post('/v1/batch', {
      integrations: { All: false },
      batch: [trackEvent(), trackEvent({ event: 'Kept', messageId: 'message-2', integrations: { Woopra: true } })]
    })
    const outcomes = await running.outcomes(2)
    expect(outcomes.map((entry) => [entry.msg, entry.messageId])).toEqual([
      ['event skipped', 'message-1'],
      ['event', 'message-2']
    ])
    expect(scope.isDone()).toBe(true)
  })
})

describe('what Segment fills in', () => {
  it('fills messageId and timestamp when missing, and corrects the timestamp for clock skew when sentAt is given', async () => {
    const queries: Record<string, string>[] = []
    nock(WOOPRA)
      .get('/track/ce')
      .query((query) => {
        queries.push(query as Record<string, string>)
        return true
      })
      .times(2)
      .reply(200)

    const before = Date.now()
    await running.post('/v1/track', { userId: 'user-1', event: 'No time' })
    // The client's clock is years ahead; the event happened 10 s before the client sent it.
    await running.post('/v1/track', {
      userId: 'user-1',
      event: 'Skewed',
      timestamp: '2030-01-01T01:00:00.000Z',
      sentAt: '2030-01-01T01:00:10.000Z'
    })
    const after = Date.now()
    await running.outcomes(2)

    const untimed = Number(queries[0].timestamp)
    expect(untimed).toBeGreaterThanOrEqual(before)
    expect(untimed).toBeLessThanOrEqual(after)
    const skewed = Number(queries[1].timestamp)
    expect(skewed).toBeGreaterThanOrEqual(before - 10000)
    expect(skewed).toBeLessThanOrEqual(after - 10000)
    expect(running.logs[0].messageId).toMatch(/^api-[0-9a-f-]{36}$/)
  })
})

describe('failures', () => {
  it('answers {success: true}, retries a 5xx with backoff, then logs the event as failed', async () => {
    const scope = nock(WOOPRA).get('/track/ce').query(true).times(5).reply(500, 'down')

    const { status, body } = await running.post('/v1/track', trackEvent())

    expect(status).toBe(200)
    expect(body).toEqual({ success: true })
    await running.outcomes(1)
    expect(scope.isDone()).toBe(true)
    const retries = running.logs.filter((entry) => entry.msg === 'event retry')
    expect(retries.map((entry) => entry.attempt)).toEqual([1, 2, 3, 4])
    expect(running.logs[running.logs.length - 1]).toEqual({
      level: 'warn',
      msg: 'event failed',
      route: '/v1/track',
      type: 'track',
      messageId: 'message-1',
      action: 'trackEvent',
      endpoint: '/track/ce',
      status: 500,
      errorClass: expect.any(String),
      retryable: true,
      reason: expect.stringMatching(/^Woopra answered 500 Internal Server Error to \/track\/ce/),
      attempts: 5,
      durationMs: expect.any(Number)
    })
  })

  it('names the action of an event that failed without an answer from Woopra (a reset on every attempt)', async () => {
    const scope = nock(WOOPRA).get('/track/ce').query(true).times(5).replyWithError({ code: 'ECONNRESET' })
    await running.post('/v1/track', trackEvent())
    expect(await running.outcomes(1)).toEqual([
      expect.objectContaining({ msg: 'event failed', type: 'track', action: 'trackEvent', status: 503, attempts: 5 })
    ])
    expect(scope.isDone()).toBe(true)
  })

  it("pauses every visitor's delivery after a 429 until its Retry-After, as the replay does", async () => {
    // A server of its own: the pause and the rate it learns would hold up the suite's other tests.
    const limited = await startServer({ settings: SETTINGS, delivery: QUICK_RETRIES })
    const arrivals: { userId: string | null; at: number; status: number }[] = []
    nock(WOOPRA)
      .persist()
      .get('/track/ce')
      .query(true)
      .reply((uri) => {
        const status = arrivals.length === 0 ? 429 : 200
        arrivals.push({ userId: new URL(uri, WOOPRA).searchParams.get('cv_id'), at: Date.now(), status })
        return [status, '', status === 429 ? { 'Retry-After': '1' } : {}]
      })
    try {
      await limited.post('/v1/track', trackEvent({ userId: 'user-a', messageId: 'a' }))
      await limited.logged((entry) => entry.msg === 'event retry')
      // Another visitor's event, accepted during the pause: it waits for the Retry-After too.
      await limited.post('/v1/track', trackEvent({ userId: 'user-b', messageId: 'b' }))
      await limited.outcomes(2)
      expect(arrivals.map(({ userId, status }) => [userId, status])).toEqual([
        ['user-a', 429],
        expect.arrayContaining([expect.any(String), 200]),
        expect.arrayContaining([expect.any(String), 200])
      ])
      const refusedAt = arrivals[0].at
      for (const later of arrivals.slice(1)) expect(later.at - refusedAt).toBeGreaterThanOrEqual(950)
      expect(limited.logs.find((entry) => entry.msg === 'woopra rate limit')).toEqual({
        level: 'warn',
        msg: 'woopra rate limit',
        messageId: 'a',
        pauseMs: 1000,
        // In the first second of sending, a 429 pauses but does not yet lower the rate (here: none set).
        ratePerSecond: null
      })
    } finally {
      nock.cleanAll()
      await limited.server.close()
    }
  })

  it('does not retry a 4xx from Woopra', async () => {
    const scope = nock(WOOPRA).get('/track/ce').query(true).reply(400)
    await running.post('/v1/track', trackEvent())
    expect(await running.outcomes(1)).toEqual([
      expect.objectContaining({ msg: 'event failed', status: 400, retryable: false, attempts: 1 })
    ])
    expect(scope.isDone()).toBe(true)
  })

  it('refuses events with 400 when no project is configured', async () => {
    const unconfigured = await startServer()
    try {
      const { status, body } = await unconfigured.post('/v1/track', trackEvent())
      expect(status).toBe(400)
      expect(body.error).toBe(
        'No Woopra project is configured for /v1 events: start the server with WOOPRA_PROJECT=<project> or --project <project>.'
      )
    } finally {
      await unconfigured.server.close()
    }
  })
})

describe('write key', () => {
  const keyed = serverForSuite({ settings: SETTINGS, writeKey: 'wk_123' })

  it('takes the write key as the Basic user name or as writeKey in the body', async () => {
    nock(WOOPRA).get('/track/ce').query(true).times(2).reply(200)
    expect((await keyed.post('/v1/track', trackEvent(), { authorization: basic('wk_123') })).body).toEqual({
      success: true
    })
    expect((await keyed.post('/v1/track', { ...trackEvent(), writeKey: 'wk_123' })).status).toBe(200)
    await keyed.outcomes(2)
    expect(nock.pendingMocks()).toEqual([])
  })

  it('refuses a missing or wrong write key with 401 and sends nothing', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: basic('wk_999') },
      { authorization: 'Bearer wk_123' }
    ]
    for (const headers of attempts) {
      const { status, body } = await keyed.post('/v1/track', trackEvent(), headers)
      expect(status).toBe(401)
      expect(body).toEqual({
        success: false,
        error: 'Invalid write key: send the write key as the user name of Basic authorization.'
      })
    }
    expect(keyed.server.pendingEvents()).toBe(0)
  })

  it('does not apply to the serve routes, as in the CLI', async () => {
    expect((await keyed.post('/authenticate', SETTINGS)).body).toEqual({ ok: true })
  })
})
