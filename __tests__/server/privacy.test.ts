import nock from 'nock'
import { logLine } from '../../src/server/log'
import type { LogEntry } from '../../src/server/log'
import { QUICK_RETRIES, serverForSuite, SETTINGS, startServer, WOOPRA } from '../__helpers__/actions-server'
import { keepDryRunOffTheNetwork } from '../__helpers__/dry-run'

// Without --log-payloads no log line may carry an identifier, a property value, a URL query, a Woopra answer body or
// a user agent, whatever happens to the event. Every path is driven with planted values, then every line is searched.

jest.setTimeout(60000)

const PLANTED = {
  userId: 'pii-user-7f3a',
  anonymousId: 'pii-anon-7f3a',
  email: 'pii-mail-7f3a@example.com',
  ip: '203.0.113.77',
  userAgent: 'PiiAgent/7f3a',
  property: 'pii-value-7f3a',
  trait: 'pii-trait-7f3a',
  event: 'pii-event-7f3a',
  cookie: 'pii-cookie-7f3a',
  answerBody: 'pii-answer-7f3a'
}

/** A track event carrying every planted value. */
function plantedTrack(overrides: Record<string, unknown> = {}) {
  return {
    type: 'track',
    event: PLANTED.event,
    userId: PLANTED.userId,
    anonymousId: PLANTED.anonymousId,
    messageId: 'message-pii',
    properties: { email: PLANTED.email, note: PLANTED.property },
    context: { ip: PLANTED.ip, userAgent: PLANTED.userAgent, traits: { name: PLANTED.trait } },
    integrations: { Woopra: { cookie: PLANTED.cookie } },
    ...overrides
  }
}

const DEEP = '__deep__'

/**
 * JSON text of `value` with its `"__deep__"` string replaced by a value nested 5,000 levels: about 30 KB, within
 * Segment's 32 KB, and too deep for JSON.stringify.
 */
function withDeepValue(value: unknown): string {
  const deep = `${'{"a":'.repeat(5000)}"${PLANTED.property}"${'}'.repeat(5000)}`
  return JSON.stringify(value).replace(`"${DEEP}"`, deep)
}

function expectNoPlantedValue(logs: LogEntry[]) {
  expect(logs.length).toBeGreaterThan(0)
  for (const entry of logs) {
    const line = logLine(entry)
    for (const planted of Object.values(PLANTED)) expect(line).not.toContain(planted)
    // No URL query at all: Woopra's requests carry the event in theirs.
    expect(line).not.toMatch(/\?[^"\s…]*=/)
  }
}

describe('without --log-payloads', () => {
  const running = serverForSuite({ settings: SETTINGS, delivery: QUICK_RETRIES })

  it('an event delivered, skipped by its integrations or by the presets, or dropped', async () => {
    nock(WOOPRA).get('/track/ce').query(true).reply(200, PLANTED.answerBody)
    await running.post('/v1/batch', {
      batch: [
        plantedTrack(),
        plantedTrack({ messageId: 'm-2', integrations: { All: false } }),
        { ...plantedTrack({ messageId: 'm-3' }), type: 'group', groupId: PLANTED.property },
        { ...plantedTrack({ messageId: 'm-4' }), type: undefined },
        { ...plantedTrack({ messageId: 'm-5' }), userId: undefined, anonymousId: undefined }
      ]
    })
    const outcomes = await running.outcomes(5)
    expect(outcomes.map((entry) => entry.msg).sort()).toEqual([
      'event',
      'event dropped',
      'event dropped',
      'event skipped',
      'event skipped'
    ])
    expectNoPlantedValue(running.logs)
  })

  it('an event Woopra fails with an answer body, retried then failed', async () => {
    nock(WOOPRA)
      .get('/track/ce')
      .query(true)
      .times(5)
      .reply(500, `${PLANTED.answerBody} ${PLANTED.email}`, { 'content-type': 'text/plain' })
    await running.post('/v1/track', plantedTrack())
    expect(await running.outcomes(1)).toEqual([expect.objectContaining({ msg: 'event failed', status: 500 })])
    expect(running.logs.filter((entry) => entry.msg === 'event retry')).toHaveLength(4)
    expectNoPlantedValue(running.logs)
  })

  it('an event whose request fails with an error quoting the URL', async () => {
    const error = Object.assign(
      new Error(`socket hang up: https://www.woopra.com/track/ce?cv_email=${PLANTED.email}&cv_id=${PLANTED.userId}`),
      { code: 'ECONNRESET' }
    )
    nock(WOOPRA).get('/track/ce').query(true).times(5).replyWithError(error)
    await running.post('/v1/track', plantedTrack())
    const [outcome] = await running.outcomes(1)
    expect(outcome).toMatchObject({ msg: 'event failed', retryable: true, attempts: 5 })
    expectNoPlantedValue(running.logs)
  })

  it('an event nested 5,000 levels deep', async () => {
    nock(WOOPRA).get('/track/ce').query(true).reply(200)
    await running.post(
      '/v1/batch',
      withDeepValue({ batch: [plantedTrack({ properties: { deep: DEEP } }), plantedTrack({ messageId: 'm-2' })] })
    )
    await running.outcomes(2)
    expectNoPlantedValue(running.logs)
  })

  it('the serve routes, succeeding and failing', async () => {
    nock(WOOPRA).get('/track/ce').query(true).reply(200, PLANTED.answerBody)
    nock(WOOPRA).get('/track/ce').query(true).reply(503, PLANTED.answerBody)
    await running.post('/trackEvent', { payload: plantedTrack(), settings: SETTINGS })
    const failed = await running.post('/trackEvent', { payload: plantedTrack(), settings: SETTINGS })
    // The answer is the CLI's: it shows what happened, Woopra's body included; the log does not.
    expect(failed.body[0].statusCode).toBe(503)
    expect(running.logs.map((entry) => entry.msg)).toEqual(['event', 'event failed'])
    expectNoPlantedValue(running.logs)
  })

  it('refused requests: JSON that does not parse, a wrong write key, another Host', async () => {
    await running.post('/v1/track', `{"userId": "${PLANTED.userId}", oops}`)
    await running.post('/trackEvent', `{"payload": {"userId": "${PLANTED.userId}"}, oops}`)
    await running.post('/v1/track', plantedTrack(), { origin: `https://${PLANTED.cookie}.example` })
    expect(running.logs.map((entry) => [entry.msg, entry.status])).toEqual([
      ['request refused', 400],
      ['request refused', 400],
      ['request refused', 403]
    ])
    expectNoPlantedValue(running.logs)
  })
})

describe('dry run without --log-payloads', () => {
  keepDryRunOffTheNetwork()

  it('logs the method, endpoint and sizes of each request it keeps back: no query, header or body', async () => {
    const running = await startServer({ settings: SETTINGS, dryRun: true })
    try {
      await running.post('/v1/track', plantedTrack())
      await running.outcomes(1)
      await running.post('/trackEvent', { payload: plantedTrack(), settings: SETTINGS })
      // A long event goes as a POST with a JSON body.
      await running.post('/trackEvent', {
        payload: plantedTrack({ properties: { note: PLANTED.property.repeat(600) } }),
        settings: SETTINGS
      })
      const dryRunLines = running.logs.filter((entry) => entry.msg === 'dry run: not sent')
      expect(dryRunLines).toEqual([
        { level: 'info', msg: 'dry run: not sent', method: 'GET', endpoint: '/track/ce', queryBytes: expect.any(Number), bodyBytes: 0 },
        { level: 'info', msg: 'dry run: not sent', method: 'GET', endpoint: '/track/ce', queryBytes: expect.any(Number), bodyBytes: 0 },
        { level: 'info', msg: 'dry run: not sent', method: 'POST', endpoint: '/track/ce', queryBytes: 0, bodyBytes: expect.any(Number) }
      ]) // prettier-ignore
      expectNoPlantedValue(running.logs)
    } finally {
      await running.server.close()
    }
  })
})

describe('with --log-payloads', () => {
  const verbose = serverForSuite({ settings: SETTINGS, logPayloads: true, delivery: QUICK_RETRIES })

  it('logs the event itself', async () => {
    nock(WOOPRA).get('/track/ce').query(true).reply(200)
    await verbose.post('/v1/track', plantedTrack())
    const [outcome] = await verbose.outcomes(1)
    expect(outcome.event).toMatchObject({ userId: PLANTED.userId, properties: { email: PLANTED.email } })
  })

  it('a 5,000-level event breaks nothing: 200, the batch’s later events delivered, every line writable', async () => {
    const seen: string[] = []
    nock(WOOPRA)
      .get('/track/ce')
      .query(true)
      .times(2)
      .reply(200, function (uri) {
        seen.push(new URL(uri, WOOPRA).searchParams.get('event') ?? '')
        return ''
      })
    const deep = plantedTrack({ event: 'Deep', messageId: 'deep', properties: { deep: DEEP } })

    const single = await verbose.post('/v1/track', withDeepValue(deep))
    expect(single.status).toBe(200)
    const after = [1, 2].map((n) => plantedTrack({ event: `After ${n}`, messageId: `a-${n}` }))
    const batch = await verbose.post('/v1/batch', withDeepValue({ batch: [deep, ...after] }))
    expect(batch.status).toBe(200)
    const serve = await verbose.post('/trackEvent', withDeepValue({ payload: deep, settings: SETTINGS }))
    expect(serve.status).toBe(200)
    expect(serve.body).toEqual([expect.objectContaining({ requestError: true })])

    // Two deep /v1 events, the two after, and the serve route's line.
    const outcomes = await verbose.outcomes(5)
    expect(seen.sort()).toEqual(['After 1', 'After 2'])
    expect(outcomes.filter((entry) => entry.messageId === 'deep').map((entry) => entry.msg)).toEqual([
      expect.stringMatching(/^event (failed|dropped)$/),
      expect.stringMatching(/^event (failed|dropped)$/)
    ])
    for (const entry of verbose.logs) {
      const line = JSON.parse(logLine(entry))
      expect(line.msg).toBe(entry.msg)
    }
    expect(verbose.logs.filter((entry) => entry.msg === 'request failed' || entry.msg === 'log line lost')).toEqual([])
  })
})
