import { DRY_RUN_HEADER } from '../../src/delivery'
import { queryOf, serverForSuite, SETTINGS, trackEvent } from '../__helpers__/actions-server'
import { keepDryRunOffTheNetwork } from '../__helpers__/dry-run'

// Dry run sends nothing: the request client writes each request to an in-memory connection that records and answers
// it. nock has no interceptor here and must let requests to Woopra past it (it sits on Node's http.request, in front
// of the agent), so that what answers is the dry run: every answer is checked for the dry-run header, and no TLS
// connection may be opened.

const running = serverForSuite({ settings: SETTINGS, dryRun: true })
const verbose = serverForSuite({ settings: SETTINGS, dryRun: true, logPayloads: true })
keepDryRunOffTheNetwork()

const dryRunLines = (server = running) => server.logs.filter((entry) => entry.msg === 'dry run: not sent')

describe('dry run', () => {
  it('answers the serve route with the exchange, logs the request as one line and sends nothing', async () => {
    const { status, body } = await running.post('/trackEvent', { payload: trackEvent(), settings: SETTINGS })

    expect(status).toBe(200)
    expect(body).toHaveLength(1)
    expect(body[0].response).toMatchObject({
      statusCode: 200,
      headers: { [DRY_RUN_HEADER]: '1' },
      body: { dryRun: true, message: 'Dry run: this request was not sent.' }
    })
    const url = body[0].request.url as string
    expect(queryOf(url)).toMatchObject({ project: 'example.com', event: 'Signed Up', cv_id: 'user-1' })
    // Without --log-payloads, the line says what was kept back, not what it held.
    expect(dryRunLines()).toEqual([
      {
        level: 'info',
        msg: 'dry run: not sent',
        method: 'GET',
        endpoint: '/track/ce',
        queryBytes: Buffer.byteLength(new URL(url).search),
        bodyBytes: 0
      }
    ])
    expect(running.logs.find((entry) => entry.msg === 'event')).toMatchObject({ dryRun: true, status: 200 })
  })

  it('logs the whole request with --log-payloads', async () => {
    const { body } = await verbose.post('/trackEvent', { payload: trackEvent(), settings: SETTINGS })
    const url = body[0].request.url as string
    expect(dryRunLines(verbose)).toEqual([
      {
        level: 'info',
        msg: 'dry run: not sent',
        method: 'GET',
        url,
        headers: {
          'user-agent': 'Mozilla/5.0 (Test)',
          accept: '*/*',
          'accept-encoding': 'gzip,deflate',
          host: 'www.woopra.com',
          connection: 'close'
        },
        body: ''
      }
    ])
  })

  it('shows a long event as the POST with its JSON body that would be sent', async () => {
    const { body } = await verbose.post('/trackEvent', {
      payload: trackEvent({ properties: { notes: 'ü'.repeat(5000) } }),
      settings: SETTINGS
    })

    expect(body[0].request).toMatchObject({ method: 'POST', url: 'https://www.woopra.com/track/ce' })
    const [line] = dryRunLines(verbose)
    expect(line).toMatchObject({ method: 'POST', url: 'https://www.woopra.com/track/ce' })
    expect((line.headers as Record<string, string>)['content-type']).toBe('application/json')
    expect(JSON.parse(line.body as string)).toMatchObject({ event: 'Signed Up', ce_notes: 'ü'.repeat(5000) })
    expect(body[0].request.body).toBe(line.body)
  })

  it('logs every request of /v1 events and answers {success: true}', async () => {
    const { body } = await running.post('/v1/batch', {
      batch: [trackEvent(), { type: 'identify', userId: 'user-1', traits: { email: 'jane@example.com' } }]
    })

    expect(body).toEqual({ success: true })
    await running.outcomes(2)
    expect(dryRunLines().map((line) => line.endpoint)).toEqual(['/track/ce', '/track/identify'])
    expect(running.logs.filter((entry) => entry.msg === 'event')).toEqual([
      expect.objectContaining({ dryRun: true, endpoint: '/track/ce', status: 200 }),
      expect.objectContaining({ dryRun: true, endpoint: '/track/identify', status: 200 })
    ])
  })

  it('keeps concurrent requests apart', async () => {
    const answers = await Promise.all(
      ['A', 'B', 'C', 'D', 'E'].map((name) =>
        running.post('/trackEvent', { payload: trackEvent({ event: name }), settings: SETTINGS })
      )
    )
    expect(answers.map(({ body }) => body.map((exchange: any) => queryOf(exchange.request.url).event))).toEqual([
      ['A'],
      ['B'],
      ['C'],
      ['D'],
      ['E']
    ])
    expect(dryRunLines()).toHaveLength(5)
  })
})
