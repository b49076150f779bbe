import net from 'net'
import nock from 'nock'
import { gzipSync } from 'zlib'
import { MAX_BODY_BYTES } from '../../src/server/http-io'
import { serverForSuite, SETTINGS, startServer, trackEvent } from '../__helpers__/actions-server'

// Every refusal is a 4xx with a message, the server keeps serving after it, and logs carry no personal data.

const running = serverForSuite({ settings: SETTINGS })

afterEach(async () => {
  // Still serving after whatever the test sent.
  expect((await running.get('/manifest')).status).toBe(200)
})

const action = (body: unknown) => running.post('/trackEvent', body)

describe('the request body', () => {
  it('refuses malformed JSON with 400 and the parser message', async () => {
    const { status, body } = await running.post('/trackEvent', '{"payload": {')
    expect(status).toBe(400)
    expect(body).toEqual([
      { statusCode: 400, message: expect.stringMatching(/^The body is not valid JSON: /), requestError: true }
    ])
  })

  it('refuses a content type other than JSON with 415', async () => {
    const { status, body } = await running.post('/trackEvent', 'payload=1', {
      'content-type': 'application/x-www-form-urlencoded'
    })
    expect(status).toBe(415)
    expect(body[0].message).toBe(
      'The body must be JSON sent with `Content-Type: application/json` (content type: "application/x-www-form-urlencoded").'
    )
  })

  it('takes JSON with a charset and +json media types', async () => {
    const { status } = await running.post('/authenticate', SETTINGS, {
      'content-type': 'application/json; charset=utf-8'
    })
    expect(status).toBe(200)
    const vendor = await running.post('/authenticate', SETTINGS, { 'content-type': 'application/vnd.test+json' })
    expect(vendor.status).toBe(200)
  })

  it('refuses an empty body with 400', async () => {
    const { status, body } = await running.post('/authenticate', '')
    expect(status).toBe(400)
    expect(body).toEqual({
      ok: false,
      error: 'The request has no body: send a JSON object with `Content-Type: application/json`.',
      fields: {}
    })
  })

  it(`refuses a body over ${MAX_BODY_BYTES / 1024} KB on a serve route with 413, declared or streamed`, async () => {
    const big = JSON.stringify({
      payload: trackEvent({ properties: { blob: 'x'.repeat(MAX_BODY_BYTES) } }),
      settings: SETTINGS
    })
    const declared = await action(big)
    expect(declared.status).toBe(413)
    expect(declared.body[0].message).toBe('The body is larger than 512 KB: send fewer or smaller events.')

    // Chunked, without a Content-Length: counted as it arrives.
    const response = await running.postStreamed('/trackEvent', big)
    expect(response.status).toBe(413)
    expect(response.body[0].message).toBe('The body is larger than 512 KB: send fewer or smaller events.')
  })

  it('takes a gzip body, counts the limit after decompression and refuses a broken one', async () => {
    nock('https://www.woopra.com').get('/track/ce').query(true).reply(200)
    const ok = await running.post('/v1/track', gzipSync(JSON.stringify(trackEvent())), { 'content-encoding': 'gzip' })
    expect(ok.status).toBe(200)
    expect(ok.body).toEqual({ success: true })

    await running.outcomes(1)

    // Segment's 500 KB limit for a batch counts the JSON, not what travelled: 400, as Segment answers.
    const bomb = gzipSync(JSON.stringify({ batch: [], padding: ' '.repeat(MAX_BODY_BYTES) }))
    expect(bomb.length).toBeLessThan(10000)
    const tooBig = await running.post('/v1/batch', bomb, { 'content-encoding': 'gzip' })
    expect(tooBig.status).toBe(400)
    expect(tooBig.body.error).toBe("A batch must be at most 500 KB (Segment's limit).")

    const broken = await running.post('/v1/track', Buffer.from('not gzip'), { 'content-encoding': 'gzip' })
    expect(broken.status).toBe(400)
    expect(broken.body.error).toMatch(/^The body could not be decompressed/)

    const brotli = await running.post('/v1/track', Buffer.from('{}'), { 'content-encoding': 'br' })
    expect(brotli.status).toBe(415)
  })

  it.each(['identity', 'gzip'])(
    'logs a request whose client resets mid-body (%s) as refused, and keeps serving',
    async (encoding) => {
      const body = JSON.stringify(trackEvent())
      const sent = encoding === 'gzip' ? gzipSync(body) : Buffer.from(body)
      const { port } = new URL(running.url)
      const socket = net.connect(Number(port), '127.0.0.1')
      socket.on('error', () => undefined)
      socket.write(
        `POST /v1/track HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
          `Content-Encoding: ${encoding}\r\nContent-Length: ${sent.length * 2}\r\nExpect: 100-continue\r\n\r\n`
      )
      // Node answers 100 Continue as it hands the request to the server: the body is being read from here on.
      await new Promise((resolve) => socket.once('data', resolve))
      socket.write(sent.subarray(0, sent.length >> 1))
      socket.resetAndDestroy()

      expect(await running.logged((entry) => entry.msg === 'request refused')).toEqual({
        level: 'warn',
        msg: 'request refused',
        method: 'POST',
        path: '/v1/track',
        status: 400,
        error: 'aborted'
      })
    }
  )

  it('answers other requests while a client sends its body byte by byte, then answers that client too', async () => {
    nock('https://www.woopra.com').get('/track/ce').query(true).times(2).reply(200)
    const body = Buffer.from(JSON.stringify(trackEvent({ messageId: 'slow-1' })))
    const { port } = new URL(running.url)
    const socket = net.connect(Number(port), '127.0.0.1')
    let answer = ''
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')))
    const closed = new Promise((resolve) => socket.once('close', resolve))
    socket.write(
      `POST /v1/track HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${body.length}\r\nConnection: close\r\nExpect: 100-continue\r\n\r\n`
    )
    await new Promise((resolve) => socket.once('data', resolve))
    socket.write(body.subarray(0, 1))

    const other = await running.post('/v1/track', trackEvent({ messageId: 'other-1' }))
    expect(other.status).toBe(200)
    for (const byte of body.subarray(1)) {
      await new Promise<void>((resolve) => socket.write(Buffer.from([byte]), () => resolve()))
    }
    await closed
    expect(answer).toMatch(/HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n\{"success":true\}$/)
    const delivered = (await running.outcomes(2)).map((entry) => [entry.msg, entry.messageId])
    expect(delivered.sort()).toEqual([
      ['event', 'other-1'],
      ['event', 'slow-1']
    ])
  })

  it('refuses a body that is not an object with 400', async () => {
    expect((await action([1, 2])).status).toBe(400)
    expect((await running.post('/authenticate', '"example.com"')).status).toBe(400)
    expect((await running.post('/v1/track', 'null')).status).toBe(400)
  })
})

describe('routes', () => {
  it('refuses an unknown action with 404, naming the actions there are', async () => {
    const { status, body } = await running.post('/trackPurchase', { payload: trackEvent(), settings: SETTINGS })
    expect(status).toBe(404)
    expect(body).toEqual({
      error: 'Woopra (Actions) has no action "trackPurchase". Its actions are: identifyUser, trackEvent, trackPageView.'
    })
  })

  it('answers 404 for an unknown path and 405 with Allow for a wrong method', async () => {
    const missing = await running.get('/nothing/here')
    expect(missing.status).toBe(404)
    expect(missing.body.error).toMatch(/^Nothing is served at GET \/nothing\/here\. Routes: GET \/manifest, /)

    const wrongMethod = await running.get('/trackEvent')
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get('allow')).toBe('POST')
    const postManifest = await running.post('/manifest', {})
    expect(postManifest.status).toBe(405)
    expect(postManifest.headers.get('allow')).toBe('GET')
  })
})

describe('settings and fields of an action request', () => {
  it('refuses missing settings with 400', async () => {
    const { status, body } = await action({ payload: trackEvent() })
    expect(status).toBe(400)
    expect(body).toEqual([
      {
        statusCode: 400,
        message:
          'The body has no `settings`: send {"payload": <event>, "settings": {"project": …, "ignoreQueryUrl": …}}.',
        requestError: true
      }
    ])
  })

  it('refuses settings without a required field with 400 and the field errors', async () => {
    const { status, body } = await action({ payload: trackEvent(), settings: { projekt: 'example.com' } })
    expect(status).toBe(400)
    expect(body).toEqual([
      {
        statusCode: 400,
        message: "Invalid settings: The root value is missing the required field 'project'.",
        fields: { $: "The root value is missing the required field 'project'." },
        requestError: true
      }
    ])
  })

  it("refuses settings the destination's testAuthentication rejects with 400", async () => {
    const { status, body } = await action({ payload: trackEvent(), settings: { project: 'https://example.com/' } })
    expect(status).toBe(400)
    expect(body[0].message).toMatch(
      /^Invalid settings: Credentials are invalid: The Woopra project "https:\/\/example.com\/" has a scheme/
    )
  })

  it('refuses settings, payload or mapping of the wrong type with 400', async () => {
    expect((await action({ payload: trackEvent(), settings: 'example.com' })).status).toBe(400)
    expect((await action({ payload: 'Signed Up', settings: SETTINGS })).status).toBe(400)
    expect((await action({ payload: trackEvent(), settings: SETTINGS, mapping: ['event'] })).status).toBe(400)
  })
})

describe('logs', () => {
  it('are one entry per event with type, action, endpoint, status and duration, and no personal data', async () => {
    nock('https://www.woopra.com').get('/track/ce').query(true).reply(200)

    await action({ payload: trackEvent(), settings: SETTINGS })

    expect(running.logs).toEqual([
      {
        level: 'info',
        msg: 'event',
        route: '/trackEvent',
        type: 'track',
        action: 'trackEvent',
        endpoint: '/track/ce',
        status: 200,
        durationMs: expect.any(Number)
      }
    ])
    const text = JSON.stringify(running.logs)
    for (const personal of ['user-1', 'anon-1', 'jane@example.com', '203.0.113.9', 'Signed Up']) {
      expect(text).not.toContain(personal)
    }
  })

  it('log a refused request with its status and reason, without quoting the body', async () => {
    await running.post('/v1/track', '{"email": "jane@example.com", oops}')
    expect(running.logs).toEqual([
      {
        level: 'warn',
        msg: 'request refused',
        method: 'POST',
        path: '/v1/track',
        status: 400,
        error: 'The body is not valid JSON.'
      }
    ])
  })

  it('carry the event and the full URLs only with logPayloads', async () => {
    const verbose = await startServer({ settings: SETTINGS, logPayloads: true })
    try {
      nock('https://www.woopra.com').get('/track/ce').query(true).reply(200)
      await verbose.post('/trackEvent', { payload: trackEvent(), settings: SETTINGS })
      expect(verbose.logs[0].payload).toEqual(trackEvent())
      expect(verbose.logs[0].urls).toEqual([
        expect.stringMatching(/^https:\/\/www\.woopra\.com\/track\/ce\?project=example\.com&event=Signed\+Up&/)
      ])
    } finally {
      await verbose.server.close()
    }
  })
})
