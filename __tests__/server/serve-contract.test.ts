import nock from 'nock'
import type { DestinationDefinition } from '@segment/actions-core'
import woopra from '../../src/destinations/woopra'
import { ACTIONS_TESTER_ORIGINS } from '../../src/server/cors'
import {
  queryOf,
  serverForSuite,
  SETTINGS,
  startServer,
  TRACK_EVENT_QUERY,
  trackEvent,
  WOOPRA
} from '../__helpers__/actions-server'

// The routes and answers of the actions CLI's `serve`, driven over real HTTP; nock stands in for Woopra only.

const running = serverForSuite()

describe('GET /manifest', () => {
  it('answers the definition with its directory name, functions left out', async () => {
    const { status, body } = await running.get('/manifest')
    expect(status).toBe(200)
    expect(body).toEqual(JSON.parse(JSON.stringify({ ...woopra, directoryName: 'woopra' })))
    expect(Object.keys(body.actions as object)).toEqual(['identifyUser', 'trackEvent', 'trackPageView'])
    // The three cloud presets and the cookie plugin's (which runs in the browser).
    expect(body.presets).toHaveLength(4)
  })
})

describe('POST /authenticate', () => {
  it('answers {ok: true} for valid settings sent as the body itself', async () => {
    const { status, body } = await running.post('/authenticate', SETTINGS)
    expect(status).toBe(200)
    expect(body).toEqual({ ok: true })
  })

  it('answers {ok: false, error, fields} with HTTP 200 when a required setting is missing', async () => {
    const { status, body } = await running.post('/authenticate', {})
    expect(status).toBe(200)
    expect(body).toEqual({
      ok: false,
      error: "The root value is missing the required field 'project'.",
      fields: { $: "The root value is missing the required field 'project'." }
    })
  })

  it("answers {ok: false} with the destination's message when testAuthentication rejects the settings", async () => {
    const { status, body } = await running.post('/authenticate', { project: 'https://example.com' })
    expect(status).toBe(200)
    expect(body.ok).toBe(false)
    // actions-core writes "Credentials are invalid: ${status} ${message}", two spaces when there is no status.
    expect(body.error).toMatch(/^Credentials are invalid: The Woopra project "https:\/\/example.com" has a scheme\./)
    expect(body.error).not.toMatch(/\s\s/)
    expect(body.fields).toEqual({})
  })
})

describe('POST /refreshAccessToken', () => {
  it('answers 400 {ok: false, error} as the CLI does for a destination without OAuth', async () => {
    const { status, body } = await running.post('/refreshAccessToken', { refreshToken: 'r-1' })
    expect(status).toBe(400)
    expect(body).toEqual({ ok: false, error: 'refreshAccessToken is only valid with oauth2 authentication scheme' })
  })

  it('takes POST only', async () => {
    const { status, headers } = await running.get('/refreshAccessToken')
    expect(status).toBe(405)
    expect(headers.get('allow')).toBe('POST')
  })
})

describe('POST /<actionKey>', () => {
  it('runs the action with the default mappings and answers the exchange', async () => {
    const scope = nock(WOOPRA)
      .get('/track/ce')
      .query(TRACK_EVENT_QUERY)
      .matchHeader('user-agent', 'Mozilla/5.0 (Test)')
      .reply(200, 'ok', { 'content-type': 'text/plain' })

    const { status, body } = await running.post('/trackEvent', { payload: trackEvent(), settings: SETTINGS })

    expect(status).toBe(200)
    expect(scope.isDone()).toBe(true)
    expect(body).toHaveLength(1)
    expect(queryOf(body[0].request.url)).toEqual(TRACK_EVENT_QUERY)
    expect(body[0].request).toMatchObject({
      method: 'GET',
      headers: { 'user-agent': 'Mozilla/5.0 (Test)' },
      body: ''
    })
    expect(body[0].response).toEqual({
      statusCode: 200,
      statusMessage: 'OK',
      headers: { 'content-type': 'text/plain' },
      body: 'ok'
    })
  })

  it('merges the field defaults under the given mapping', async () => {
    const scope = nock(WOOPRA)
      .get('/track/ce')
      .query({ ...TRACK_EVENT_QUERY, event: 'Renamed', ce_plan: 'pro', cv_tier: 'gold' })
      .reply(200)

    const { body } = await running.post('/trackEvent', {
      payload: trackEvent(),
      settings: SETTINGS,
      mapping: { event_name: 'Renamed', visitor_properties: { tier: 'gold' } }
    })

    expect(scope.isDone()).toBe(true)
    expect(body[0].response.statusCode).toBe(200)
  })

  it('runs identifyUser and trackPageView on their endpoints', async () => {
    const identify = nock(WOOPRA)
      .get('/track/identify')
      .query({
        project: 'example.com',
        cookie: 'anon-1',
        cv_id: 'user-1',
        cv_email: 'jane@example.com',
        cv_name: 'Jane Doe',
        timestamp: '1704164645000',
        timeout: '60000',
        cv_email_verified: 'true'
      })
      .reply(200)
    const page = nock(WOOPRA)
      .get('/track/ce')
      .query({
        project: 'example.com',
        event: 'pv',
        cookie: 'anon-1',
        cv_id: 'user-1',
        ce_url: '/pricing',
        ce_uri: 'https://example.com/pricing?plan=pro',
        ce_domain: 'example.com',
        ce_title: 'Pricing',
        timestamp: '1704164645000',
        timeout: '60000'
      })
      .reply(200)
    const base = { userId: 'user-1', anonymousId: 'anon-1', timestamp: '2024-01-02T03:04:05.000Z' }

    const identified = await running.post('/identifyUser', {
      payload: {
        ...base,
        type: 'identify',
        traits: { email: 'jane@example.com', name: 'Jane Doe', email_verified: true }
      },
      settings: SETTINGS
    })
    const viewed = await running.post('/trackPageView', {
      payload: { ...base, type: 'page', name: 'Pricing', properties: { url: 'https://example.com/pricing?plan=pro' } },
      settings: SETTINGS
    })

    expect(identify.isDone()).toBe(true)
    expect(page.isDone()).toBe(true)
    expect(identified.body[0].response.statusCode).toBe(200)
    expect(viewed.body[0].response.statusCode).toBe(200)
  })

  it('answers [{statusCode, message, stack, requestError: true}] with HTTP 200 when Woopra fails', async () => {
    nock(WOOPRA).get('/track/ce').query(true).reply(503, 'busy')

    const { status, body } = await running.post('/trackEvent', { payload: trackEvent(), settings: SETTINGS })

    expect(status).toBe(200)
    expect(body).toHaveLength(1)
    expect(body[0]).toMatchObject({
      statusCode: 503,
      message: expect.stringMatching(/^Woopra answered 503 Service Unavailable to \/track\/ce/),
      requestError: true
    })
    expect(Array.isArray(body[0].stack)).toBe(true)
    expect(body[0].stack[0]).toMatch(/Woopra answered 503/)
  })

  // The CLI reports `err.status ?? 500`, and actions-core's validation error carries no status there.
  it('answers the field errors when the payload misses a required field, before any request', async () => {
    const { status, body } = await running.post('/trackEvent', {
      payload: trackEvent({ event: undefined }),
      settings: SETTINGS
    })

    expect(status).toBe(200)
    expect(body).toEqual([
      expect.objectContaining({
        statusCode: 500,
        message: "The root value is missing the required field 'event_name'.",
        fields: { $: "The root value is missing the required field 'event_name'." },
        requestError: true
      })
    ])
  })

  it('answers the error of executeBatch for an array payload, as the CLI does (no performBatch)', async () => {
    const { status, body } = await running.post('/trackEvent', { payload: [trackEvent()], settings: SETTINGS })
    expect(status).toBe(200)
    expect(body[0]).toMatchObject({
      statusCode: 501,
      message: 'This action does not support batched requests.',
      requestError: true
    })
  })
})

describe('sensitive headers', () => {
  // Woopra sends no credential, so a one-action destination that does shows the redaction.
  const withCredentials: DestinationDefinition<{ apiKey: string }> = {
    name: 'Credentials Test',
    mode: 'cloud',
    authentication: {
      scheme: 'custom',
      fields: { apiKey: { label: 'API key', description: 'A key.', type: 'string', required: true } }
    },
    actions: {
      send: {
        title: 'Send',
        description: 'Sends the event.',
        fields: {
          event: { label: 'Event', description: 'The event name.', type: 'string', default: { '@path': '$.event' } }
        },
        perform: (request, { settings, payload }) =>
          request('https://api.example.test/events', {
            method: 'post',
            json: payload,
            headers: { authorization: `Bearer ${settings.apiKey}`, 'x-api-key': settings.apiKey, 'x-trace': 't-1' }
          })
      }
    }
  }

  it('are redacted in the exchanges, with the rest kept', async () => {
    const other = await startServer({ destination: withCredentials, directoryName: 'credentials-test' })
    try {
      nock('https://api.example.test').post('/events', { event: 'Signed Up' }).reply(201, { id: 1 })

      const { body } = await other.post('/send', { payload: trackEvent(), settings: { apiKey: 'secret' } })

      expect(body[0].request.headers).toEqual({
        authorization: '<redacted>',
        'x-api-key': '<redacted>',
        'x-trace': 't-1',
        'content-type': 'application/json',
        'user-agent': 'Segment (Actions)'
      })
      expect(body[0].request.body).toBe('{"event":"Signed Up"}')
      expect(body[0].response).toMatchObject({ statusCode: 201, statusMessage: 'Created', body: { id: 1 } })
      expect(JSON.stringify(body)).not.toContain('secret')
      expect((await other.get('/manifest')).body.directoryName).toBe('credentials-test')
    } finally {
      await other.server.close()
    }
  })
})

describe('CORS', () => {
  it.each(ACTIONS_TESTER_ORIGINS)('answers the preflight from %s', async (origin) => {
    const response = await fetch(`${running.url}/trackEvent`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type'
      }
    })
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe(origin)
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,HEAD,PUT,PATCH,POST,DELETE')
    expect(response.headers.get('access-control-allow-headers')).toBe('content-type')
  })

  it("answers Chrome's private network preflight for an allowed origin only", async () => {
    const preflight = (origin: string) =>
      fetch(`${running.url}/manifest`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-private-network': 'true' }
      })
    expect((await preflight('https://app.segment.com')).headers.get('access-control-allow-private-network')).toBe(
      'true'
    )
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-private-network')).toBeNull()
  })

  it('lets an allowed origin read an answer', async () => {
    const { headers } = await running.get('/manifest', { origin: 'https://app.segment.com' })
    expect(headers.get('access-control-allow-origin')).toBe('https://app.segment.com')
    expect(headers.get('vary')).toBe('Origin')
  })

  it('gives any other origin no Access-Control-Allow-Origin, so that browsers block it', async () => {
    const preflight = await fetch(`${running.url}/trackEvent`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' }
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull()
    const { headers } = await running.get('/manifest', { origin: 'https://evil.example' })
    expect(headers.get('access-control-allow-origin')).toBeNull()
  })
})
