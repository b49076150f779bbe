import http from 'http'
import type { AddressInfo } from 'net'
import { Analytics } from '@segment/analytics-node'
import { serverForSuite, SETTINGS } from '../__helpers__/actions-server'
import { keepDryRunOffTheNetwork } from '../__helpers__/dry-run'
import { addWoopraCookie, withWoopraCookie, woopraCookiePlugin } from '../../src/node'

jest.setTimeout(60000)

// A backend built on Node's http server uses @segment/analytics-node with the Woopra cookie plugin, sending to the
// local server in dry run (with payloads logged): the Woopra requests the dry run shows carry each browser's cookie.

const running = serverForSuite({ settings: SETTINGS, writeKey: 'wk_backend', dryRun: true, logPayloads: true })
keepDryRunOffTheNetwork()

/** The Woopra requests the dry run logged, by event name: their `cookie` parameter. */
function cookiesByEvent(): Record<string, string | null> {
  const requests = running.logs.filter((entry) => entry.msg === 'dry run: not sent')
  return Object.fromEntries(
    requests.map((entry) => {
      const query = new URL(String(entry.url)).searchParams
      return [query.get('event') ?? `identify ${query.get('cv_id')}`, query.get('cookie')]
    })
  )
}

/** A promise and its resolver, to order the two requests' steps without timing. */
function signal() {
  let resolve!: () => void
  const promise = new Promise<void>((done) => (resolve = done))
  return { promise, resolve }
}

let analytics: Analytics
let backend: http.Server
let backendUrl: string
/** What each request's handler waits for before it makes its second call. */
const steps = { aTracked: signal(), bTracked: signal() }

beforeAll(async () => {
  analytics = new Analytics({ writeKey: 'wk_backend', host: running.url, flushAt: 50, flushInterval: 60000 })
  await analytics.register(woopraCookiePlugin())
  backend = http.createServer((request, response) => {
    withWoopraCookie(request, async () => {
      const who = new URL(request.url ?? '/', 'http://backend').searchParams.get('as') ?? 'x'
      analytics.track({ userId: `user-${who}`, event: `${who} first` })
      // A handler of one request awaits while another request's handler makes its calls.
      if (who === 'a') {
        steps.aTracked.resolve()
        await steps.bTracked.promise
      } else if (who === 'b') {
        await steps.aTracked.promise
      }
      analytics.track({ userId: `user-${who}`, event: `${who} second` })
      analytics.identify({ userId: `user-${who}`, traits: { plan: 'pro' } })
      analytics.track({ userId: `user-${who}`, event: `${who} off`, integrations: { Woopra: false } })
      analytics.track({
        userId: `user-${who}`,
        event: `${who} own cookie`,
        integrations: { Woopra: { cookie: `own-${who}` } }
      })
      if (who === 'b') steps.bTracked.resolve()
      response.end('ok')
    }).catch((error) => {
      response.statusCode = 500
      response.end(String(error))
    })
  })
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve))
  backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`
})

afterAll(async () => {
  await analytics.closeAndFlush()
  await new Promise((resolve) => backend.close(resolve))
})

it('every call a request handler makes carries that browser’s cookie; concurrent requests keep their own', async () => {
  const [a, b, none] = await Promise.all([
    fetch(`${backendUrl}/?as=a`, { headers: { cookie: '_ga=GA1.2; wooTracker=CookieOfA123' } }),
    fetch(`${backendUrl}/?as=b`, { headers: { cookie: 'wooTracker="CookieOfB456"; theme=dark' } }),
    fetch(`${backendUrl}/?as=c`)
  ])
  expect([a.status, b.status, none.status]).toEqual([200, 200, 200])
  await analytics.flush()
  // 4 Woopra requests per handler (the call with Woopra off is skipped by the server).
  await running.outcomes(15)

  expect(cookiesByEvent()).toEqual({
    'a first': 'CookieOfA123',
    'a second': 'CookieOfA123',
    'identify user-a': 'CookieOfA123',
    'a own cookie': 'own-a',
    'b first': 'CookieOfB456',
    'b second': 'CookieOfB456',
    'identify user-b': 'CookieOfB456',
    'b own cookie': 'own-b',
    // No cookie in the request: Woopra gets the anonymous ID analytics-node leaves out for user calls, so none.
    'c first': null,
    'c second': null,
    'identify user-c': null,
    'c own cookie': 'own-c'
  })
  expect(running.logs.filter((entry) => entry.msg === 'event skipped').map((entry) => entry.reason)).toHaveLength(3)
})

it('calls made outside any request get no cookie; addWoopraCookie adds one to a call built by hand', async () => {
  analytics.track({ userId: 'user-d', event: 'd outside' })
  analytics.track(addWoopraCookie({ userId: 'user-d', event: 'd by hand' }, { headers: { cookie: 'wooTracker=Dd' } }))
  await analytics.flush()
  await running.outcomes(2)
  expect(cookiesByEvent()).toEqual({ 'd outside': null, 'd by hand': 'Dd' })
})

it('analytics-node announces each call as it is made (dispatch_start), when the plugin takes the request’s cookie', async () => {
  const offline = new Analytics({ writeKey: 'wk_backend', disable: true })
  const announced: unknown[] = []
  ;(offline as unknown as { on(event: string, listener: (ctx: { event: unknown }) => void): void }).on(
    'dispatch_start',
    (ctx) => announced.push(ctx.event)
  )
  offline.track({ userId: 'user-e', event: 'e announced' })
  expect(announced).toEqual([expect.objectContaining({ type: 'track', event: 'e announced' })])
  await offline.closeAndFlush()
})
