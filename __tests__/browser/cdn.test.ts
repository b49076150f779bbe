import type { Browser, HTTPRequest, Page } from 'puppeteer-core'
import { createActionsServer } from '../../src/server/server'
import type { ActionsServer } from '../../src/server/server'
import type { LogEntry } from '../../src/server/log'
import { bundle } from '../../src/server/page/bundles'
import type { StandinRecord } from '../../src/server/page/woopra-standin'
import { launchChromium } from '../__helpers__/chromium'
import { keepDryRunOffTheNetwork } from '../__helpers__/dry-run'
import { startSiteAndCdn } from '../__helpers__/segment-cdn'
import type { SiteAndCdn } from '../__helpers__/segment-cdn'

/*
 * Woopra's web packages loaded the way Segment's CDN loads them, in a real (headless) Chromium: a customer's page
 * whose snippet buffers a page call, analytics-next fetching the source's settings, Woopra Web (Actions) and the
 * Woopra cookie plugin as remote plugins, Woopra's w.js answered by the stand-in (or blocked), events posted to the
 * local server's /v1 and delivered through the cloud destination's presets in dry run. For each documented set-up:
 * every event reaches Woopra exactly once (tracker sends plus cloud requests), all under the browser's cookie, and
 * the page shows no error. Run with `npm run test:browser`.
 */

const enabled = process.env.WOOPRA_BROWSER_TESTS === '1'
const describeInBrowser = enabled ? describe : describe.skip

const WOOPRA_SCRIPT = 'https://static.woopra.com/w.js'
const PROJECT = 'example.com'

jest.setTimeout(120000)

type Kind = 'page' | 'identify' | 'track'
type Path = 'tracker' | 'cloud'
/** The server's last log line for an event. */
const FINAL_OUTCOMES = ['event', 'event skipped', 'event failed']

let browser: Browser
let server: ActionsServer
let site: SiteAndCdn
let standin: string
/** The local server's URL (its /v1 stands for Segment's). */
let base: string
const logs: LogEntry[] = []

async function until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Which of the three test events a Woopra request is for (by endpoint and event name). */
function kindOf(url: URL): Kind | undefined {
  if (url.pathname.replace(/\/$/, '').endsWith('/identify')) return 'identify'
  const event = url.searchParams.get('event')
  return event === 'pv' ? 'page' : event === 'Signed Up' ? 'track' : undefined
}

interface Visit {
  page: Page
  /** Bodies posted to a /v1, in order. */
  v1Posts: Record<string, any>[]
  /** Errors thrown or promises rejected without a handler on the page. */
  problems: string[]
  /** Requests to anywhere but the site, the local server and Woopra's script. */
  elsewhere: string[]
}

/** Opens the site's page for a set-up, with Woopra's script answered by the stand-in or blocked. */
async function visit(setup: string, woopraScript: 'standin' | 'blocked'): Promise<Visit> {
  const context = await browser.createBrowserContext()
  const page = await context.newPage()
  const found: Visit = { page, v1Posts: [], problems: [], elsewhere: [] }
  page.on('pageerror', (error) => found.problems.push(`pageerror: ${String(error)}`))
  await page.evaluateOnNewDocument(() => {
    window.addEventListener('unhandledrejection', (event) => {
      console.error(`unhandledrejection: ${String(event.reason)}`)
    })
  })
  page.on('console', (message) => {
    if (message.text().startsWith('unhandledrejection:')) found.problems.push(message.text())
  })
  await page.setRequestInterception(true)
  page.on('request', (request: HTTPRequest) => {
    const url = request.url()
    if (request.method() === 'POST' && new URL(url).pathname.startsWith('/v1/')) {
      found.v1Posts.push(JSON.parse(request.postData() ?? '{}') as Record<string, any>)
    }
    if (url === WOOPRA_SCRIPT) {
      if (woopraScript === 'blocked') void request.abort('blockedbyclient')
      else void request.respond({ status: 200, contentType: 'text/javascript', body: standin })
    } else if (url.startsWith(`${site.origin}/`) || url.startsWith(`${base}/`)) {
      void request.continue()
    } else {
      found.elsewhere.push(url)
      void request.abort()
    }
  })
  await page.goto(`${site.origin}/setup/${setup}`)
  await page.waitForFunction('window.site && window.site.ready', { timeout: 60000 })
  return found
}

/** After the buffered page call, an identify and a track call, as a site makes them once analytics has loaded. */
async function laterCalls(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const analytics = (window as any).analytics
    await analytics.identify('user-42', { email: 'ada@example.com', name: 'Ada Lovelace' })
    await analytics.track('Signed Up', { plan: 'pro' })
  })
}

/** The three events as posted to /v1, by kind. */
async function postedEvents(found: Visit): Promise<Record<Kind, Record<string, any>>> {
  const byKind = await until('the three events posted to /v1', () => {
    const kinds = new Map(found.v1Posts.map((body) => [body.type as Kind, body]))
    return kinds.size === 3 ? kinds : undefined
  })
  expect(found.v1Posts.map((body) => body.type).sort()).toEqual(['identify', 'page', 'track'])
  return Object.fromEntries(byKind) as Record<Kind, Record<string, any>>
}

/** Waits for the server's outcome of each event (delivered or skipped), by message ID. */
async function outcomes(events: Record<Kind, Record<string, any>>): Promise<Record<Kind, LogEntry>> {
  const ids = Object.values(events).map((event) => event.messageId)
  await until('the server’s outcome of each event', () =>
    ids.every((id) => logs.some((entry) => entry.messageId === id && FINAL_OUTCOMES.includes(String(entry.msg))))
  )
  const outcome = (kind: Kind) =>
    logs.find(
      (entry) => entry.messageId === events[kind].messageId && FINAL_OUTCOMES.includes(String(entry.msg))
    ) as LogEntry
  return { page: outcome('page'), identify: outcome('identify'), track: outcome('track') }
}

/** What reached Woopra for each kind of event, from the tracker (the stand-in's record) and the cloud (dry run). */
async function sends(found: Visit, logsFrom: number) {
  const record = (await found.page.evaluate('window.woopraStandin || { calls: [], requests: [] }')) as StandinRecord
  const tracker = record.requests.map((request) => new URL(request.url))
  const cloud = logs
    .slice(logsFrom)
    .filter((entry) => entry.msg === 'dry run: not sent')
    .map((entry) => new URL(String(entry.url)))
  const count = (urls: URL[], kind: Kind) => urls.filter((url) => kindOf(url) === kind).length
  const paths = (kind: Kind) => ({ tracker: count(tracker, kind), cloud: count(cloud, kind) })
  return { tracker, cloud, byKind: { page: paths('page'), identify: paths('identify'), track: paths('track') } }
}

async function browserCookie(page: Page): Promise<string | undefined> {
  return (await page.cookies()).find((cookie) => cookie.name === 'wooTracker')?.value
}

const once = (path: Path) => (path === 'tracker' ? { tracker: 1, cloud: 0 } : { tracker: 0, cloud: 1 })

describeInBrowser('Woopra’s web packages loaded from CDN settings, in Chromium', () => {
  beforeAll(async () => {
    standin = await bundle('standin')
    const log = (entry: LogEntry) => logs.push(entry)
    // The server lets only named origins post to /v1: the site's.
    site = await startSiteAndCdn()
    const corsOrigins = [site.origin]
    server = createActionsServer({ dryRun: true, logPayloads: true, settings: { project: PROJECT }, log, corsOrigins })
    base = await server.listen(0, '127.0.0.1')
    site.actionsHost = new URL(base).host
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await site?.close()
  })

  keepDryRunOffTheNetwork('whole suite')

  describe.each([
    ['both', 'standin', { page: 'tracker', identify: 'tracker', track: 'tracker' }],
    ['split', 'standin', { page: 'tracker', identify: 'cloud', track: 'cloud' }],
    ['cloud', 'standin', { page: 'cloud', identify: 'cloud', track: 'cloud' }],
    ['both', 'blocked', { page: 'cloud', identify: 'cloud', track: 'cloud' }],
    ['split', 'blocked', { page: 'cloud', identify: 'cloud', track: 'cloud' }]
  ] as const)('set-up "%s", w.js %s', (setup, woopraScript, expectedPaths) => {
    let found: Visit
    let events: Record<Kind, Record<string, any>>
    let reached: Awaited<ReturnType<typeof sends>>
    let cookie: string | undefined

    beforeAll(async () => {
      const logsFrom = logs.length
      found = await visit(setup, woopraScript)
      await laterCalls(found.page)
      events = await postedEvents(found)
      await outcomes(events)
      reached = await sends(found, logsFrom)
      cookie = await browserCookie(found.page)
    })

    afterAll(async () => {
      await found?.page.browserContext().close()
    })

    it('sends each event to Woopra exactly once, by the set-up’s path', () => {
      expect(reached.byKind).toEqual({
        page: once(expectedPaths.page),
        identify: once(expectedPaths.identify),
        track: once(expectedPaths.track)
      })
    })

    it('marks each event with who sends it, and the server skips those the tracker sends, saying why', () => {
      const marks = Object.fromEntries(
        (Object.keys(events) as Kind[]).map((kind) => [kind, events[kind].context?.Woopra?.sentBy])
      )
      const expectedMarks =
        setup === 'cloud' ? { page: undefined, identify: undefined, track: undefined } : expectedPaths
      expect(marks).toEqual(expectedMarks)
      for (const kind of Object.keys(events) as Kind[]) {
        const outcome = logs.find((entry) => entry.messageId === events[kind].messageId && entry.msg !== 'event retry')
        expect([kind, outcome?.msg]).toEqual([kind, expectedPaths[kind] === 'tracker' ? 'event skipped' : 'event'])
      }
    })

    it('carries the browser’s wooTracker cookie from the first event on: on /v1, in the tracker’s and the cloud’s requests', () => {
      expect(cookie).toMatch(/^[0-9A-Za-z]{12}$/)
      // The page call was made before analytics loaded (the snippet buffered it).
      for (const kind of ['page', 'identify', 'track'] as const) {
        expect([kind, events[kind].integrations?.Woopra?.cookie]).toEqual([kind, cookie])
      }
      for (const url of [...reached.tracker, ...reached.cloud]) {
        expect([url.pathname, url.searchParams.get('cookie')]).toEqual([url.pathname, cookie])
        expect(url.searchParams.get('project')).toBe(PROJECT)
      }
    })

    it('leaves no error on the page and fetches nothing from elsewhere', () => {
      expect(found.problems).toEqual([])
      expect(found.elsewhere).toEqual([])
    })
  })

  describe('set-up "tracker": the browser tracker on the web source, the cloud destination on server sources', () => {
    it('sends each browser event once from the tracker, and a server event with its cookie joins the same visitor', async () => {
      const found = await visit('tracker', 'standin')
      await laterCalls(found.page)
      await until('the three events at the web source’s own /v1', () => site.ownV1.length >= 3)
      const reached = await sends(found, logs.length)
      expect(reached.byKind).toEqual({ page: once('tracker'), identify: once('tracker'), track: once('tracker') })
      const cookie = await browserCookie(found.page)
      expect(cookie).toMatch(/^[0-9A-Za-z]{12}$/)
      for (const url of reached.tracker) expect(url.searchParams.get('cookie')).toBe(cookie)

      // The backend passes the browser's cookie with its own event (as the Node helper does): the same visitor.
      const logsFrom = logs.length
      const response = await fetch(`${base}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId: 'user-42', event: 'Order Completed', messageId: 'server-1', integrations: { Woopra: { cookie } } }) // prettier-ignore
      })
      expect(response.status).toBe(200)
      const serverRequest = await until('the cloud request of the server event', () =>
        logs.slice(logsFrom).find((entry) => entry.msg === 'dry run: not sent')
      )
      expect(new URL(String(serverRequest.url)).searchParams.get('cookie')).toBe(cookie)
      expect(found.problems).toEqual([])
      await found.page.browserContext().close()
    })
  })
})
