import http from 'http'
import { startServer, trackEvent } from '../__helpers__/actions-server'
import type { RunningServer } from '../__helpers__/actions-server'
import { keepDryRunOffTheNetwork } from '../__helpers__/dry-run'
import { RecentDeliveries } from '../../src/server/page/recent-deliveries'
import type { LogEntry } from '../../src/server/log'

// The development page's routes over HTTP, without a browser (the browser test is page.test.ts).

jest.setTimeout(60000)

let running: RunningServer
let port: string

interface RawAnswer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/** A GET with exactly these headers (fetch would not let a test set Host). */
function rawGet(path: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${running.url}${path}`, { method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') })
      )
    })
    request.on('error', reject)
    request.end()
  })
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

beforeAll(async () => {
  running = await startServer({ settings: { project: 'example.com' }, dryRun: true })
  port = new URL(running.url).port
})

afterAll(async () => {
  await running.server.close()
})

keepDryRunOffTheNetwork()

describe('GET /', () => {
  it('serves the page with the server’s configuration and a content security policy', async () => {
    const answer = await rawGet('/')
    expect(answer.status).toBe(200)
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(answer.headers['cache-control']).toBe('no-store')
    expect(answer.headers['content-security-policy']).toContain("default-src 'self'")
    expect(answer.headers['content-security-policy']).toContain("script-src 'self' https://static.woopra.com")
    const config = /<script id="page-config" type="application\/json">(.*?)<\/script>/.exec(answer.body)?.[1]
    expect(JSON.parse(config ?? 'null')).toEqual({ dryRun: true, project: 'example.com', writeKey: 'woopra-dev-page' })
    expect(answer.body).toContain('<script src="/page/app.js"></script>')
  })

  it.each(['localhost', '[::1]'])('answers when addressed as %s on the server’s port', async (name) => {
    expect((await rawGet('/', { host: `${name}:${port}` })).status).toBe(200)
  })

  it.each(['rebound.example.com', `127.0.0.1:1`, 'localhost'])('refuses a request addressed to %s', async (host) => {
    const answer = await rawGet('/', { host })
    expect(answer.status).toBe(403)
    expect(answer.body).toContain(`http://127.0.0.1:${port}/`)
  })

  it('leaves other methods and paths to the server', async () => {
    expect((await running.post('/', {})).status).toBe(404)
    expect((await rawGet('/page/other.js')).status).toBe(404)
  })
})

describe('the bundled scripts', () => {
  it('serves the stand-in for w.js and the page script as JavaScript', async () => {
    const standin = await rawGet('/woopra-standin/w.js')
    expect(standin.status).toBe(200)
    expect(standin.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(standin.body).toContain('woopraStandin')
    const app = await rawGet('/page/app.js')
    expect(app.status).toBe(200)
    // analytics-next and both web packages are in the bundle.
    expect(app.body).toContain('Woopra Web (Actions)')
    expect(app.body).toContain('Woopra Cookie')
    expect(app.body).toContain('Segment.io')
  })
})

describe('GET /dev/requests', () => {
  it('lists the Woopra requests dry run kept and each event’s outcome, from a sequence number on', async () => {
    const first = JSON.parse((await rawGet('/dev/requests')).body) as { next: number }
    const event = trackEvent({ messageId: 'page-routes-1', integrations: { Woopra: { cookie: 'abcDEF123456' } } })
    expect((await running.post('/v1/track', event)).status).toBe(200)

    const entries = await until('the delivery of the event', async () => {
      const answer = JSON.parse((await rawGet(`/dev/requests?since=${first.next}`)).body) as {
        dryRun: boolean
        entries: Record<string, any>[]
      }
      expect(answer.dryRun).toBe(true)
      return answer.entries.some((entry) => entry.kind === 'outcome') ? answer.entries : undefined
    })
    const [request, outcome] = entries
    expect(request).toMatchObject({ kind: 'request', method: 'GET', body: '' })
    const url = new URL(String(request.url))
    expect(`${url.origin}${url.pathname}`).toBe('https://www.woopra.com/track/ce')
    expect(url.searchParams.get('cookie')).toBe('abcDEF123456')
    expect(outcome).toMatchObject({ kind: 'outcome', messageId: 'page-routes-1', action: 'trackEvent', status: 200 })
    expect(outcome.seq).toBeGreaterThan(Number(request.seq))
    expect(outcome).not.toHaveProperty('event')

    const later = JSON.parse((await rawGet(`/dev/requests?since=${outcome.seq}`)).body) as { entries: unknown[] }
    expect(later.entries).toEqual([])
  })

  it.each([
    ['another site’s origin', { origin: 'https://attacker.example' }],
    ['a cross-site fetch', { 'sec-fetch-site': 'cross-site' }],
    ['a same-site fetch from another port', { 'sec-fetch-site': 'same-site' }]
  ])('refuses %s', async (_name, headers) => {
    const answer = await rawGet('/dev/requests', headers)
    expect(answer.status).toBe(403)
    expect(answer.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('answers the page itself', async () => {
    const headers = { origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' }
    expect((await rawGet('/dev/requests', headers)).status).toBe(200)
  })
})

describe('RecentDeliveries', () => {
  const dryRunRequest = (n: number, body = '') => ({
    method: 'GET',
    url: `https://www.woopra.com/track/ce?n=${n}`,
    headers: { 'user-agent': 'Segment (Actions)' },
    body
  })

  it('keeps only the last requests and outcomes, in order', () => {
    const recent = new RecentDeliveries(3)
    for (let n = 1; n <= 4; n++) recent.keepRequest(dryRunRequest(n))
    const log = recent.tee(() => undefined)
    log({ level: 'info', msg: 'event', messageId: 'm-1', action: 'trackEvent', status: 200 })
    const { entries, next } = recent.since(0)
    expect(entries.map((entry) => (entry.kind === 'request' ? entry.url : entry.messageId))).toEqual([
      'https://www.woopra.com/track/ce?n=3',
      'https://www.woopra.com/track/ce?n=4',
      'm-1'
    ])
    expect(next).toBe(5)
    expect(recent.since(4).entries).toHaveLength(1)
  })

  it('passes every log line on, keeps only those of an event, without its payload', () => {
    const written: LogEntry[] = []
    const recent = new RecentDeliveries()
    const log = recent.tee((entry) => written.push(entry))
    log({ level: 'info', msg: 'listening' })
    log({ level: 'info', msg: 'event', messageId: 'm-1', event: { traits: { email: 'a@example.com' } }, urls: ['u'] })
    expect(written).toHaveLength(2)
    expect(recent.since(0).entries).toEqual([
      { level: 'info', msg: 'event', messageId: 'm-1', seq: 1, kind: 'outcome', time: expect.any(String) }
    ])
  })

  it('cuts a huge request body', () => {
    const recent = new RecentDeliveries()
    recent.keepRequest({ ...dryRunRequest(1, 'x'.repeat(100000)), method: 'POST' })
    const [request] = recent.since(0).entries
    expect(request.kind === 'request' && request.body.length).toBeLessThan(17000)
  })
})
