import http from 'http'
import nock from 'nock'
import { serverForSuite, SETTINGS, trackEvent, WOOPRA } from '../__helpers__/actions-server'

// Who may call: requests must name this server in Host (no DNS rebinding), and a browser page may write only from an
// allowed origin (the Actions Tester's, or the server's own). Clients that send no Origin (curl, Segment libraries)
// are not browsers and are served.

jest.setTimeout(30000)

const running = serverForSuite({ settings: SETTINGS })
let port: number

beforeAll(() => {
  port = Number(new URL(running.url).port)
})

/** A request with exactly these headers (fetch decides Host itself). */
function rawRequest(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') })
      )
    })
    req.on('error', reject)
    req.end(body)
  })
}

const json = { 'content-type': 'application/json' }

describe('the Host header', () => {
  it.each(['127.0.0.1', 'localhost', '[::1]'])('is served when it is %s:<port>', async (name) => {
    const { status } = await rawRequest('GET', '/manifest', { host: `${name}:${port}` })
    expect(status).toBe(200)
  })

  it.each([
    ['another name (DNS rebinding)', () => 'attacker.example'],
    ['another name with this port', () => `attacker.example:${port}`],
    ['a loopback name with another port', () => '127.0.0.1:1'],
    ['a loopback name without the port', () => 'localhost']
  ])('refuses %s with 403 on every route', async (_name, host) => {
    const hostHeader = host()
    nock(WOOPRA).get('/track/ce').query(true).reply(200)
    for (const [method, path, body] of [
      ['GET', '/manifest', undefined],
      ['POST', '/trackEvent', JSON.stringify({ payload: trackEvent(), settings: SETTINGS })],
      ['POST', '/v1/track', JSON.stringify(trackEvent())]
    ] as const) {
      const answer = await rawRequest(method, path, { ...json, host: hostHeader }, body)
      expect(answer.status).toBe(403)
      expect(JSON.stringify(JSON.parse(answer.body))).toContain(
        `This server answers requests addressed to 127.0.0.1:${port}, localhost:${port}, [::1]:${port} only`
      )
    }
    expect(nock.pendingMocks()).toHaveLength(1)
    expect(running.server.pendingEvents()).toBe(0)
    expect(running.logs.map((entry) => [entry.msg, entry.status, entry.error])).toEqual([
      ['request refused', 403, 'The Host header does not name this server.'],
      ['request refused', 403, 'The Host header does not name this server.'],
      ['request refused', 403, 'The Host header does not name this server.']
    ])
  })
})

describe('browser origins on write routes', () => {
  it('refuses a text/plain POST to /v1 from another site with 403 and delivers nothing', async () => {
    nock(WOOPRA).get('/track/ce').query(true).reply(200)
    const answer = await running.post('/v1/track', JSON.stringify(trackEvent()), {
      'content-type': 'text/plain',
      origin: 'https://evil.example'
    })
    expect(answer.status).toBe(403)
    expect(answer.body).toEqual({
      success: false,
      error:
        "Requests from pages at https://evil.example are refused: only the Actions Tester and this server's own pages may call it."
    })
    expect(answer.headers.get('access-control-allow-origin')).toBeNull()
    expect(running.server.pendingEvents()).toBe(0)
    expect(nock.pendingMocks()).toHaveLength(1)
  })

  it.each([
    ['/authenticate', SETTINGS],
    ['/trackEvent', { payload: trackEvent(), settings: SETTINGS }],
    ['/refreshAccessToken', {}],
    ['/v1/batch', { batch: [] }]
  ])('refuses %s from another site, and from a sandboxed page (Origin: null)', async (path, body) => {
    for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1:1']) {
      expect((await running.post(path, body, { origin })).status).toBe(403)
    }
  })

  it("serves the server's own pages and the Actions Tester, and lets them read the answer", async () => {
    nock(WOOPRA).get('/track/ce').query(true).times(3).reply(200)
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, 'https://app.segment.com']) {
      const answer = await running.post('/v1/track', JSON.stringify(trackEvent()), {
        'content-type': 'text/plain',
        origin
      })
      expect(answer.status).toBe(200)
      expect(answer.headers.get('access-control-allow-origin')).toBe(origin)
    }
    await running.outcomes(3)
    expect(nock.pendingMocks()).toEqual([])
  })

  it('still answers GET /manifest to any origin (without letting another site read it) and any preflight', async () => {
    const manifest = await running.get('/manifest', { origin: 'https://evil.example' })
    expect(manifest.status).toBe(200)
    expect(manifest.headers.get('access-control-allow-origin')).toBeNull()
    const preflight = await fetch(`${running.url}/v1/track`, {
      method: 'OPTIONS',
      headers: { origin: `http://localhost:${port}`, 'access-control-request-method': 'POST' }
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe(`http://localhost:${port}`)
  })
})
