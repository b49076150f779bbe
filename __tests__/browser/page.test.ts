import http from 'http'
import { mkdirSync } from 'fs'
import path from 'path'
import type { Browser, HTTPRequest, Page } from 'puppeteer-core'
import { createActionsServer } from '../../src/server/server'
import type { ActionsServer } from '../../src/server/server'
import type { LogEntry } from '../../src/server/log'
import type { StandinCall } from '../../src/server/page/woopra-standin'
import { launchChromium } from '../__helpers__/chromium'
import { keepDryRunOffTheNetwork } from '../__helpers__/dry-run'
import { SENT_BY_TRACKER_REASON } from '../../src/destinations/woopra/sent-by-tracker'

/*
 * The development page in a real (headless) Chromium: @segment/analytics-next with Woopra Web (Actions) and the
 * Woopra cookie plugin, Woopra's tracker answered by the local stand-in, events posted to the server's /v1 and
 * delivered in dry run. Run with `npm run test:browser`; `npm test` skips this file (it needs no browser).
 */

const enabled = process.env.WOOPRA_BROWSER_TESTS === '1'
const describeInBrowser = enabled ? describe : describe.skip

/** Screenshots of the page, kept after the run (git ignores the folder). */
const ARTIFACTS = path.join(__dirname, 'artifacts')
const WOOPRA_SCRIPT = 'https://static.woopra.com/w.js'
const PROJECT = 'example.com'
/** The track event's properties as the page fills them in. */
const EXAMPLE_TRACK_PROPERTIES = { order_id: 'A-1001', revenue: 19.99, currency: 'EUR' }

jest.setTimeout(120000)

interface V1Post {
  path: string
  body: Record<string, any>
}

let browser: Browser
let server: ActionsServer
let base: string
const logs: LogEntry[] = []

/** Waits, polling, until `probe` returns something truthy; fails with `what` after `timeoutMs`. */
async function until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value) return value
    if (Date.now() > deadline) {
      const lastLogs = logs.slice(-6).map((entry) => `${entry.msg} ${String(entry.reason ?? entry.error ?? '')}`)
      throw new Error(`Timed out waiting for ${what}; the server's last log lines: ${lastLogs.join(' | ')}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** The Woopra requests the cloud destination built since `from` (dry run: the server logged them, sent nothing). */
function builtRequests(from = 0): URL[] {
  return logs
    .slice(from)
    .filter((entry) => entry.msg === 'dry run: not sent')
    .map((entry) => new URL(String(entry.url)))
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
        res.on('error', reject)
      })
      .on('error', reject)
  })
}

/**
 * A page that records every request it makes and the bodies it posts to /v1. `woopraScript` answers Woopra's script
 * URL, `devRequests` the page's polls of /dev/requests (to hold them back, say); anything else not addressed to the
 * server is refused.
 */
/** Opens the development page (`query` picks the set-up or tracker) and waits until it is `ready` (or `analyticsReady`). */
async function showDevPage(page: Page, query: string, readiness: 'ready' | 'analyticsReady' = 'ready') {
  await page.goto(`${base}/${query}`)
  await page.waitForFunction(`window.woopraPage && window.woopraPage.${readiness}`, { timeout: 60000 })
}

async function openPage(
  options: {
    woopraScript?: (request: HTTPRequest) => Promise<void>
    devRequests?: (request: HTTPRequest) => void
  } = {}
) {
  // A fresh profile for each page: no cookie or stored identity from another test.
  const context = await browser.createBrowserContext()
  const page = await context.newPage()
  await page.setViewport({ width: 1440, height: 1100 })
  const requested: string[] = []
  const v1Posts: V1Post[] = []
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(String(error)))
  page.on('request', (request) => {
    requested.push(request.url())
    const url = new URL(request.url())
    if (request.method() === 'POST' && url.pathname.startsWith('/v1/')) {
      v1Posts.push({ path: url.pathname, body: JSON.parse(request.postData() ?? '{}') })
    }
  })
  const { woopraScript: answerWoopraScript, devRequests: answerDevRequests } = options
  if (answerWoopraScript || answerDevRequests) {
    await page.setRequestInterception(true)
    page.on('request', (request) => {
      if (answerWoopraScript && request.url() === WOOPRA_SCRIPT) void answerWoopraScript(request)
      else if (answerDevRequests && request.url().startsWith(`${base}/dev/requests`)) answerDevRequests(request)
      else if (request.url().startsWith(base)) void request.continue()
      else void request.abort()
    })
  }
  return { page, requested, v1Posts, problems }
}

async function woopraCookie(page: Page): Promise<string | undefined> {
  return (await page.cookies()).find((cookie) => cookie.name === 'wooTracker')?.value
}

async function send(page: Page, kind: 'page' | 'identify' | 'track', json?: unknown, options?: unknown): Promise<void> {
  if (json !== undefined) {
    await page.$eval(
      `#json-${kind}`,
      (input, text) => ((input as HTMLTextAreaElement).value = text),
      JSON.stringify(json)
    )
  }
  if (options !== undefined) {
    await page.$eval(
      `#options-${kind}`,
      (input, text) => ((input as HTMLTextAreaElement).value = text),
      JSON.stringify(options)
    )
  }
  const cards = await page.$$eval(`article.event[data-kind="${kind}"]`, (found) => found.length)
  await page.click(`#send-${kind}`)
  await page.waitForFunction(
    (selector, count) => document.querySelectorAll(selector).length > count,
    { timeout: 30000 },
    `article.event[data-kind="${kind}"]`,
    cards
  )
}

describeInBrowser('the development page in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true })
    // With payloads, dry run's log lines carry each Woopra request in full: the test reads them there.
    const log = (entry: LogEntry) => logs.push(entry)
    server = createActionsServer({ dryRun: true, logPayloads: true, settings: { project: PROJECT }, log })
    base = await server.listen(0, '127.0.0.1')
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  keepDryRunOffTheNetwork()

  it('by default (both destinations, all presets) sends each event once, from the tracker, under the browser’s cookie', async () => {
    const { page, requested, v1Posts, problems } = await openPage()
    await showDevPage(page, '')
    const logsBefore = logs.length

    await send(page, 'page')
    await send(page, 'identify')
    // A property named `timeout` must stay a property, not become the tracker's option.
    const track = { event: 'Order Completed', properties: { order_id: 'A-1001', revenue: 19.99, timeout: 5 } }
    await send(page, 'track', track)

    // /v1 answers before delivery: wait for the server's outcome of the three events.
    const skipped = await until('the three events skipped by the cloud destination', () => {
      const found = logs.slice(logsBefore).filter((entry) => entry.msg === 'event skipped')
      return found.length >= 3 ? found : undefined
    })
    await page.waitForFunction(`window.woopraPage.events.filter((e) => e.kind !== 'load').every((e) => e.outcome)`, {
      timeout: 30000
    })
    await page.screenshot({ path: path.join(ARTIFACTS, 'page.png'), fullPage: true })

    const cookie = await woopraCookie(page)
    expect(cookie).toMatch(/^[0-9A-Za-z]{12}$/)
    expect(await page.evaluate('window.woopra.cookie')).toBe(cookie)
    // As w.js does: the live tracker replaced the snippet's stub, which stays registered in __woo with its queue.
    const globals = await page.evaluate(`({
      replaced: window.__woo.woopra !== window.woopra,
      stubQueue: Array.isArray(window.__woo.woopra._e),
      loaded: window.woopra.loaded,
      firstInstance: window.woopraTracker === window.woopra
    })`)
    expect(globals).toEqual({ replaced: true, stubQueue: true, loaded: true, firstInstance: true })

    // The tracker: configured from the stub's queue before it wrote the cookie, then page, identify + push, track.
    const calls = (await page.evaluate('window.woopraStandin.calls')) as StandinCall[]
    const queuedConfig = calls.filter((call) => call.fromQueue && call.method === 'config').map((call) => call.args)
    expect(queuedConfig).toContainEqual(['domain', PROJECT])
    expect(queuedConfig).toContainEqual(['cookie_name', 'wooTracker'])
    expect(calls.filter((call) => !call.fromQueue)).toEqual([
      {
        instance: 'woopra',
        method: 'track',
        fromQueue: false,
        args: [
          'pv',
          {
            path: '/',
            referrer: '',
            search: '',
            title: 'Docs Pricing',
            url: '/',
            uri: `${base}/`,
            domain: '127.0.0.1',
            plan: 'pro',
            category: 'Docs',
            name: 'Pricing'
          },
          {}
        ]
      },
      {
        instance: 'woopra',
        method: 'identify',
        fromQueue: false,
        args: [
          {
            email: 'ada@example.com',
            firstName: 'Ada',
            lastName: 'Lovelace',
            createdAt: Date.parse('2024-03-01T12:00:00Z'),
            id: 'user-42',
            name: 'Ada Lovelace'
          }
        ]
      },
      { instance: 'woopra', method: 'push', fromQueue: false, args: [] },
      { instance: 'woopra', method: 'track', fromQueue: false, args: ['Order Completed', track.properties, {}] }
    ])

    // What reached /v1 carries the browser's cookie.
    expect(v1Posts.map((post) => [post.path, post.body.type])).toEqual([
      ['/v1/p', 'page'],
      ['/v1/i', 'identify'],
      ['/v1/t', 'track']
    ])
    // Each marked as sent by the tracker, which the cloud destination's presets leave out: no event counted twice.
    for (const post of v1Posts) {
      expect(post.body.integrations.Woopra).toEqual({ cookie })
      expect(post.body.context.Woopra).toEqual({ sentBy: 'tracker' })
    }
    expect(skipped.map((entry) => [entry.type, entry.reason])).toEqual(
      ['page', 'identify', 'track'].map((type) => [type, SENT_BY_TRACKER_REASON])
    )
    expect(builtRequests(logsBefore)).toEqual([])

    // The page shows the skip in each cloud cell, and no event marked as reaching Woopra twice.
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('article.event:not([data-kind="load"]) .cell.cloud')).filter((cell) =>
          cell.textContent?.includes('event skipped')
        ).length === 3,
      { timeout: 60000 }
    )
    expect(await page.$$eval('.twice', (badges) => badges.length)).toBe(0)

    // Nothing was fetched from anywhere but this server: no Segment CDN, no Woopra.
    expect(requested.filter((url) => !url.startsWith(`${base}/`))).toEqual([])
    expect(problems).toEqual([])
    await page.browserContext().close()
  })

  it('with the tracker for page views only, sends identify and track from the cloud under the browser’s cookie', async () => {
    const { page, v1Posts, problems } = await openPage()
    await showDevPage(page, '?setup=split')
    const logsBefore = logs.length
    await send(page, 'page')
    await send(page, 'identify')
    const track = { event: 'Order Completed', properties: { order_id: 'A-1001', revenue: 19.99, timeout: 5 } }
    await send(page, 'track', track)
    await until('two Woopra requests from the cloud destination', () => builtRequests(logsBefore).length >= 2)
    await until('the page view skipped', () => logs.slice(logsBefore).some((entry) => entry.msg === 'event skipped'))

    const cookie = await woopraCookie(page)
    expect(cookie).toMatch(/^[0-9A-Za-z]{12}$/)
    const calls = (await page.evaluate('window.woopraStandin.calls')) as StandinCall[]
    expect(calls.filter((call) => !call.fromQueue).map((call) => [call.method, call.args[0]])).toEqual([
      ['track', 'pv']
    ])
    expect(v1Posts.map((post) => [post.body.type, post.body.context.Woopra, post.body.integrations.Woopra])).toEqual([
      ['page', { sentBy: 'tracker' }, { cookie }],
      ['identify', { sentBy: 'cloud' }, { cookie }],
      ['track', { sentBy: 'cloud' }, { cookie }]
    ])
    const [identify, trackEvent] = builtRequests(logsBefore)
    expect(identify.pathname).toBe('/track/identify')
    expect(identify.searchParams.get('cv_id')).toBe('user-42')
    expect(trackEvent.pathname).toBe('/track/ce')
    expect(trackEvent.searchParams.get('event')).toBe('Order Completed')
    expect(trackEvent.searchParams.get('ce_timeout')).toBe('5')
    for (const request of [identify, trackEvent]) {
      expect(request.origin).toBe('https://www.woopra.com')
      expect(request.searchParams.get('project')).toBe(PROJECT)
      expect(request.searchParams.get('cookie')).toBe(cookie)
    }

    // The page shows the cloud requests with the cookie marked in each (newest card first), once its next poll has run.
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('article.event:not([data-kind="load"]) .cell.cloud')).filter((cell) =>
          cell.querySelector('mark')
        ).length === 2,
      { timeout: 60000 }
    )
    const marked = await page.$$eval('article.event:not([data-kind="load"]) .cell.cloud', (cells) =>
      cells.map((cell) => Array.from(cell.querySelectorAll('mark'), (mark) => mark.textContent))
    )
    expect(marked).toEqual([[cookie], [cookie], []])
    expect(await page.$$eval('.twice', (badges) => badges.length)).toBe(0)
    expect(problems).toEqual([])
    await page.screenshot({ path: path.join(ARTIFACTS, 'page-split.png'), fullPage: true })
    await page.browserContext().close()
  })

  it('with the cloud only, sends the page view with the same url, uri and domain as the tracker’s', async () => {
    const { page, problems } = await openPage()
    await showDevPage(page, '?setup=cloud', 'analyticsReady')
    const logsBefore = logs.length
    await send(page, 'page')
    const [pageView] = await until('the cloud page view', () => {
      const built = builtRequests(logsBefore)
      return built.length >= 1 ? built : undefined
    })

    expect(pageView.pathname).toBe('/track/ce')
    expect(pageView.searchParams.get('event')).toBe('pv')
    expect(pageView.searchParams.get('ce_title')).toBe('Docs Pricing')
    // One page, one URL, as the tracker sends it (its test above): the path without the query (ignoreQueryUrl), the
    // full URL as uri, the host as domain.
    expect(pageView.searchParams.get('ce_url')).toBe('/')
    expect(pageView.searchParams.get('ce_uri')).toBe(`${base}/?setup=cloud`)
    expect(pageView.searchParams.get('ce_domain')).toBe('127.0.0.1')
    expect(pageView.searchParams.get('cookie')).toBe(await woopraCookie(page))
    expect(await page.evaluate('window.woopraStandin')).toBeUndefined()
    expect(problems).toEqual([])
    await page.browserContext().close()
  })

  it("loads Woopra's real script URL when switched to it (answered here by the stand-in)", async () => {
    const standin = await get(`${base}/woopra-standin/w.js`)
    const { page, requested, v1Posts, problems } = await openPage({
      woopraScript: (request) => request.respond({ status: 200, contentType: 'text/javascript', body: standin })
    })
    await showDevPage(page, '?tracker=real')
    await send(page, 'track')

    expect(requested.filter((url) => !url.startsWith(`${base}/`))).toEqual([WOOPRA_SCRIPT])
    const cookie = await woopraCookie(page)
    expect(cookie).toMatch(/^[0-9A-Za-z]{12}$/)
    expect(v1Posts.map((post) => [post.path, post.body.integrations.Woopra])).toEqual([['/v1/t', { cookie }]])
    const calls = (await page.evaluate('window.woopraStandin.calls')) as StandinCall[]
    expect(calls.filter((call) => !call.fromQueue).map((call) => [call.method, call.args[0]])).toEqual([
      ['track', 'Order Completed']
    ])
    // With Woopra's script the page records the calls itself, on the live tracker w.js put in window.woopra.
    const seenByPage = (await page.evaluate('window.woopraPageRecord.calls')) as StandinCall[]
    expect(seenByPage.filter((call) => call.method !== 'config').map((call) => call.args)).toEqual([
      ['Order Completed', EXAMPLE_TRACK_PROPERTIES, {}]
    ])
    expect(seenByPage.filter((call) => call.method === 'config').map((call) => call.args)).toContainEqual([
      'domain',
      PROJECT
    ])
    expect(problems).toEqual([])
    await page.browserContext().close()
  })

  it('still sends events to /v1 when the tracker script is blocked, with the cookie the plugin wrote, and no page error', async () => {
    const { page, requested, v1Posts, problems } = await openPage({
      woopraScript: (request) => request.abort('blockedbyclient')
    })
    await showDevPage(page, '?tracker=real', 'analyticsReady')
    const logsBefore = logs.length
    await send(page, 'track')
    await until('the Woopra request for the track event', () => builtRequests(logsBefore).length >= 1)

    expect(requested).toContain(WOOPRA_SCRIPT)
    // No tracker wrote one: the cookie plugin did, in Woopra's format, and the event and the cloud request carry it.
    const cookie = await woopraCookie(page)
    expect(cookie).toMatch(/^[0-9A-Za-z]{12}$/)
    expect(v1Posts).toHaveLength(1)
    expect(v1Posts[0].body.integrations?.Woopra).toEqual({ cookie })
    const [trackEvent] = builtRequests(logsBefore)
    expect(trackEvent.searchParams.get('cookie')).toBe(cookie)
    expect(await page.evaluate('window.woopraPage.ready')).toBe(false)
    expect(await page.$eval('#status-tracker', (pill) => pill.textContent)).toContain('failed to load')
    await page.waitForFunction('window.woopraPage.events[0].cloudRequests.length > 0', { timeout: 30000 })
    await page.screenshot({ path: path.join(ARTIFACTS, 'page-tracker-blocked.png'), fullPage: true })
    // Woopra Web fails alone: no uncaught error and no unhandled rejection on the page.
    expect(problems).toEqual([])
    await page.browserContext().close()
  })
  describe('exactness', () => {
    it('shows each cloud request once while /dev/requests answers slowly, asking once at a time', async () => {
      // The page's first poll of /dev/requests is held back until the test lets it through: an answer as slow as
      // the test likes, with no timing involved.
      const held: HTTPRequest[] = []
      let holding = true
      const { page, problems } = await openPage({
        devRequests: (request) => (holding ? held.push(request) : void request.continue())
      })
      // The set-up where track events go through the cloud destination (page views through the tracker).
      await showDevPage(page, '?setup=split')
      const logsBefore = logs.length
      await send(page, 'track')
      await until('the Woopra request for the track event', () => builtRequests(logsBefore).length >= 1)

      // The page's timer keeps asking for polls while the first answer is held: none is sent.
      const asked = (await page.evaluate('window.woopraPage.polls.asked')) as number
      await page.waitForFunction((count) => (window as any).woopraPage.polls.asked >= count + 3, {}, asked)
      expect(held.map((request) => new URL(request.url()).search)).toEqual(['?since=0'])
      expect(await page.evaluate('window.woopraPage.polls.sent')).toBe(1)

      holding = false
      for (const request of held) void request.continue()
      await page.waitForFunction(
        () => document.querySelectorAll('article.event[data-kind="track"] .cell.cloud .request').length > 0,
        { timeout: 30000 }
      )
      // Two more polls after the card showed its request: none of them adds it again.
      const sent = (await page.evaluate('window.woopraPage.polls.sent')) as number
      await page.waitForFunction((count) => (window as any).woopraPage.polls.sent >= count + 2, {}, sent)
      expect(await page.$$eval('article.event[data-kind="track"] .cell.cloud .request', (found) => found.length)).toBe(
        1
      )
      expect(await page.evaluate('window.woopraPage.events[0].cloudRequests.length')).toBe(1)
      expect(problems).toEqual([])
      await page.browserContext().close()
    })

    it('counts the calls queued on the stub once on the LOAD card, however often w.js replays them', async () => {
      const { page, problems } = await openPage()
      await showDevPage(page, '')
      const seen = (await page.evaluate(`({
        queued: window.__woo.woopra._e.length,
        queuedConfig: window.__woo.woopra._e.filter((call) => call[0] === 'config').length,
        replays: window.woopraStandin.calls.filter((call) => call.fromQueue).length,
        note: document.querySelector('article.event[data-kind="load"] .note').textContent
      })`)) as { queued: number; queuedConfig: number; replays: number; note: string }
      // w.js replays the queued config calls before it writes the cookie, then the whole queue.
      expect(seen.queuedConfig).toBeGreaterThan(0)
      expect(seen.replays).toBe(seen.queued + seen.queuedConfig)
      expect(seen.note).toContain(`${seen.queued} calls were queued on the snippet's stub.`)
      expect(seen.note).toContain(`(${seen.replays} replays in all)`)
      expect(problems).toEqual([])
      await page.browserContext().close()
    })

    it('does not show a cookie left from an earlier visit as the tracker’s when w.js failed', async () => {
      const { page } = await openPage({ woopraScript: (request) => request.abort('blockedbyclient') })
      await page.setCookie({ name: 'wooTracker', value: 'StaleCookie1', url: base })
      await page.goto(`${base}/?tracker=real`)
      await page.waitForFunction("window.woopraPage && window.woopraPage.tracker === 'failed'", { timeout: 60000 })
      await page.waitForFunction(
        () => document.getElementById('status-cookie')?.textContent?.includes('StaleCookie1'),
        { timeout: 30000 }
      )
      const pills = await page.evaluate(() =>
        ['status-tracker', 'status-cookie'].map((id) => {
          const pill = document.getElementById(id)
          return { text: pill?.textContent, tone: pill?.className }
        })
      )
      expect(pills).toEqual([
        { text: "tracker: Woopra's w.js failed to load (blocked or offline)", tone: 'pill bad' },
        { text: "wooTracker: StaleCookie1 · not the tracker's (w.js failed to load)", tone: 'pill warn' }
      ])
      expect(await page.evaluate('window.woopraPage.ready')).toBe(false)
      await page.browserContext().close()
    })

    it('sends the options given with an event (integrations, context), and refuses options that are not JSON', async () => {
      const { page, v1Posts, problems } = await openPage()
      await showDevPage(page, '?setup=split')
      const logsBefore = logs.length
      const options = { integrations: { Woopra: { cookie: 'FromOptions1' } }, context: { ip: '203.0.113.7' } }
      await send(page, 'track', undefined, options)
      await until('the Woopra request for the track event', () => builtRequests(logsBefore).length >= 1)

      expect(v1Posts).toHaveLength(1)
      // The cookie plugin leaves a cookie the event carries.
      expect(v1Posts[0].body.integrations.Woopra).toEqual({ cookie: 'FromOptions1' })
      expect(v1Posts[0].body.context.ip).toBe('203.0.113.7')
      const [built] = builtRequests(logsBefore)
      expect(built.searchParams.get('cookie')).toBe('FromOptions1')
      expect(built.searchParams.get('ip')).toBe('203.0.113.7')

      await page.$eval('#options-track', (input) => ((input as HTMLTextAreaElement).value = '{"integrations":'))
      await page.click('#send-track')
      await page.waitForFunction(() => document.getElementById('error-track')?.textContent !== '', { timeout: 30000 })
      expect(await page.$eval('#error-track', (error) => error.textContent)).toMatch(/^The options are not valid JSON/)
      expect(await page.$$eval('article.event[data-kind="track"]', (found) => found.length)).toBe(1)
      expect(v1Posts).toHaveLength(1)
      expect(problems).toEqual([])
      await page.browserContext().close()
    })
  })
})
