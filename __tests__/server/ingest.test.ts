import nock from 'nock'
import { SETTINGS, startServer, TRACK_EVENT_QUERY, trackEvent, WOOPRA } from '../__helpers__/actions-server'
import type { RunningServer } from '../__helpers__/actions-server'

// Segment's HTTP Tracking API: each event goes through the destination's presets, as Segment delivers it.

const basic = (user: string) => `Basic ${Buffer.from(`${user}:`).toString('base64')}`

let running: RunningServer

beforeAll(async () => {
  running = await startServer({ settings: SETTINGS })
})

afterAll(async () => {
  await running.server.close()
})

beforeEach(() => {
  running.logs.length = 0
})

describe('single-event routes', () => {
  it('POST /v1/track delivers to /track/ce through the Track Calls preset', async () => {
    const scope = nock(WOOPRA)
      .get('/track/ce')
      .query(TRACK_EVENT_QUERY)
      .matchHeader('user-agent', 'Mozilla/5.0 (Test)')
      .reply(200)

    // The route gives the type: a message without one is a track call here.
    const { status, body } = await running.post('/v1/track', { ...trackEvent(), type: undefined })

    expect(status).toBe(200)
    expect(body).toEqual({ success: true })
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
    expect(running.logs).toEqual([
      expect.objectContaining({ level: 'info', msg: 'event skipped', type, action: null, reason: expect.any(String) })
    ])
    expect(nock.pendingMocks()).toEqual([])
  })

  it('takes text/plain, which Segment’s browser library sends', async () => {
    const scope = nock(WOOPRA).get('/track/ce').query(true).reply(200)
    const { status } = await running.post('/v1/track', trackEvent(), { 'content-type': 'text/plain' })
    expect(status).toBe(200)
    expect(scope.isDone()).toBe(true)
  })
})

describe('POST /v1/batch', () => {
  it('delivers each message in order, with the batch context under each message’s own', async () => {
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

  it('drops and logs a message without a type or without any id, and delivers the rest', async () => {
    const scope = nock(WOOPRA).get('/track/ce').query(true).reply(200)

    const { status } = await running.post('/v1/batch', {
      batch: [{ userId: 'user-1', event: 'No type' }, { type: 'track', event: 'No id' }, 'text', trackEvent()]
    })

    expect(status).toBe(200)
    expect(scope.isDone()).toBe(true)
    expect(running.logs.map((entry) => [entry.msg, entry.reason])).toEqual([
      ['event dropped', expect.stringMatching(/must be an object with a `type`/)],
      ['event dropped', 'The message has neither a userId nor an anonymousId.'],
      ['event dropped', expect.stringMatching(/must be an object with a `type`/)],
      ['event', undefined]
    ])
  })

  it('refuses a batch without a batch array with 400', async () => {
    const { status, body } = await running.post('/v1/batch', { messages: [] })
    expect(status).toBe(400)
    expect(body).toEqual({ success: false, error: 'A batch must have a `batch` array of messages.' })
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
  it('answers {success: true} when Woopra fails, and logs the failure with its status and reason', async () => {
    nock(WOOPRA).get('/track/ce').query(true).reply(500, 'down')

    const { status, body } = await running.post('/v1/track', trackEvent())

    expect(status).toBe(200)
    expect(body).toEqual({ success: true })
    expect(running.logs).toEqual([
      {
        level: 'warn',
        msg: 'event failed',
        route: '/v1/track',
        type: 'track',
        messageId: 'message-1',
        action: 'trackEvent',
        endpoint: '/track/ce',
        status: 500,
        reason: 'Woopra answered 500 Internal Server Error to /track/ce: down',
        durationMs: expect.any(Number)
      }
    ])
  })

  it('logs an event the destination rejects before sending', async () => {
    await running.post('/v1/track', { userId: 'user-1' })
    expect(running.logs).toEqual([
      expect.objectContaining({
        msg: 'event failed',
        action: 'trackEvent',
        status: 400,
        reason: "The root value is missing the required field 'event_name'."
      })
    ])
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
  let keyed: RunningServer

  beforeAll(async () => {
    keyed = await startServer({ settings: SETTINGS, writeKey: 'wk_123' })
  })

  afterAll(async () => {
    await keyed.server.close()
  })

  it('takes the write key as the Basic user name or as writeKey in the body', async () => {
    nock(WOOPRA).get('/track/ce').query(true).times(2).reply(200)
    expect((await keyed.post('/v1/track', trackEvent(), { authorization: basic('wk_123') })).body).toEqual({
      success: true
    })
    expect((await keyed.post('/v1/track', { ...trackEvent(), writeKey: 'wk_123' })).status).toBe(200)
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
  })

  it('does not apply to the serve routes, as in the CLI', async () => {
    expect((await keyed.post('/authenticate', SETTINGS)).body).toEqual({ ok: true })
  })
})
