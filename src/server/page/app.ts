import { AnalyticsBrowser } from '@segment/analytics-next'
import type { Analytics, Context } from '@segment/analytics-next'
import { defaultValues } from '@segment/actions-core'
import type { JSONObject } from '@segment/actions-core'
import type { BrowserDestinationDefinition, Subscription } from '@segment/browser-destination-runtime/types'
import woopraWebFactory, { destination as woopraWeb } from '../../browser-destinations/woopra-web/src'
import woopraPluginsFactory, { destination as woopraPlugins } from '../../browser-destinations/woopra-plugins/src'
import { createCloudPoller } from './cloud-poll'
import type { CloudPoller } from './cloud-poll'
import type { PageConfig } from './html'
import { cookieStatus, trackerState, WOOPRA_SCRIPT_URLS } from './tracker-state'
import type { TrackerState } from './tracker-state'
import type { BuiltRequest, DeliveryOutcome, RecentEntry } from './recent-deliveries'
import type { StandinCall, StandinRecord, StandinRequest } from './woopra-standin'

/*
 * The development page's script. It loads @segment/analytics-next as Segment's CDN would configure it for a source
 * with Woopra Web (Actions) and the Woopra cookie plugin enabled, but with the settings given inline: nothing is
 * fetched from Segment, and events go to this server's /v1. It then records, for each event fired from the page,
 * the tracker calls, the body posted to /v1 and the Woopra requests the cloud destination built.
 */

type Factory = typeof woopraWebFactory
type AnyDefinition = BrowserDestinationDefinition<any, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const STANDIN_PATH = '/woopra-standin/w.js'
const POLL_MS = 400

const EXAMPLES: Record<EventKind, JSONObject> = {
  page: { category: 'Docs', name: 'Pricing', properties: { plan: 'pro' } },
  identify: {
    userId: 'user-42',
    traits: { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', createdAt: '2024-03-01T12:00:00Z' }
  },
  track: { event: 'Order Completed', properties: { order_id: 'A-1001', revenue: 19.99, currency: 'EUR' } }
}

type EventKind = 'page' | 'identify' | 'track'

/** One event fired from the page and everything seen of it. */
interface FiredEvent {
  kind: EventKind | 'load'
  title: string
  messageId?: string
  timestamp?: string
  trackerCalls: StandinCall[]
  /** The requests the stand-in says the real tracker would send for these calls. */
  trackerRequests: StandinRequest[]
  sentToV1?: { path: string; status?: number; body: Record<string, unknown> }
  cloudRequests: BuiltRequest[]
  /** For the tracker's load: how many calls the snippet's stub had queued (w.js replays some of them twice). */
  queuedCalls?: number
  outcome?: DeliveryOutcome
  card?: HTMLElement
  /** What the card shows, to redraw it only when that changes. */
  drawn?: string
}

/** What the page exposes for tests and for the curious (window.woopraPage in DevTools). */
interface PageState {
  /** analytics-next has loaded: events can be fired (the tracker may still be loading, or blocked). */
  analyticsReady: boolean
  /** The tracker has started too. */
  ready: boolean
  /** What became of Woopra's script: the live tracker runs, it failed to load (blocked, offline), or neither yet. */
  tracker: TrackerState
  /** The polls of /dev/requests: asked for by the timer, sent, skipped while one was under way. */
  polls?: CloudPoller['counts']
  error?: string
  trackerSource: 'standin' | 'real'
  events: FiredEvent[]
}

const config = JSON.parse(document.getElementById('page-config')?.textContent ?? '{}') as PageConfig
const trackerSource = new URLSearchParams(location.search).get('tracker') === 'real' ? 'real' : 'standin'

/**
 * The documented set-ups of a web source with Woopra (Actions) on it: `both` (both destinations with all presets, the
 * defaults: the tracker sends each event, the cloud skips it), `split` (Woopra Web's page preset only: page views from
 * the tracker, identify and track from the cloud), `cloud` (no Woopra Web: the cloud sends everything).
 */
const SETUPS = ['both', 'split', 'cloud'] as const
type Setup = (typeof SETUPS)[number]
const setupParam = new URLSearchParams(location.search).get('setup')
const setup: Setup = SETUPS.find((name) => name === setupParam) ?? 'both'
const state: PageState = { analyticsReady: false, ready: false, tracker: 'loading', trackerSource, events: [] }
;(window as unknown as { woopraPage: PageState }).woopraPage = state

const v1Posts = new Map<string, FiredEvent['sentToV1']>()

// ---------------------------------------------------------------------------------------------------------------
// Wiring: the stand-in, the /v1 recorder, analytics-next with both web packages.

/**
 * Makes Woopra's script URL load the local stand-in: the destination itself is unchanged and still asks for
 * https://static.woopra.com/w.js; the runtime's loadScript sets `script.src`, which is where the URL is swapped. The
 * element keeps reporting the URL it was given, so that loadScript still recognises it.
 */
function answerWoopraScriptWithStandin(): void {
  const native = Object.getOwnPropertyDescriptor(HTMLScriptElement.prototype, 'src')
  if (!native?.get || !native.set) return
  const { get, set } = native
  const requested = new WeakMap<HTMLScriptElement, string>()
  Object.defineProperty(HTMLScriptElement.prototype, 'src', {
    configurable: true,
    enumerable: native.enumerable,
    get(this: HTMLScriptElement) {
      return requested.get(this) ?? get.call(this)
    },
    set(this: HTMLScriptElement, value: string) {
      const absolute = new URL(String(value), location.href).href
      if (!WOOPRA_SCRIPT_URLS.includes(absolute)) return set.call(this, value)
      requested.set(this, absolute)
      set.call(this, STANDIN_PATH)
    }
  })
}

/** Keeps what analytics-next posts to /v1 (its own fetch), by message ID, with the server's answer. */
function recordV1Posts(): void {
  const nativeFetch = window.fetch.bind(window)
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input), location.href)
    const response = await nativeFetch(input, init)
    if (url.origin === location.origin && url.pathname.startsWith('/v1/') && typeof init?.body === 'string') {
      try {
        const body = JSON.parse(init.body) as Record<string, unknown>
        const { writeKey: _writeKey, ...shown } = body
        if (typeof body.messageId === 'string') {
          v1Posts.set(body.messageId, { path: url.pathname, status: response.status, body: shown })
        }
      } catch {
        // Not an event: nothing to show.
      }
    }
    return response
  }
}

/** Subscriptions as Segment enables them: each action's automatic preset, else its default subscription. */
function subscriptionsOf(definition: AnyDefinition): Subscription[] {
  return Object.entries(definition.actions).map(([key, action]) => {
    const preset = definition.presets?.find(
      (candidate) => candidate.partnerAction === key && candidate.type === 'automatic'
    ) as { name: string; subscribe: string; mapping?: JSONObject } | undefined
    return {
      partnerAction: key,
      name: preset?.name ?? action.title,
      enabled: true,
      subscribe: preset?.subscribe ?? action.defaultSubscription ?? 'type = "track"',
      mapping: preset?.mapping ?? defaultValues(action.fields)
    }
  })
}

/**
 * The remote plugin entry Segment's CDN settings would list for a web destination. analytics-next takes the factory
 * from `plugins` when its name matches, so the URL is never fetched, and wraps every plugin as it does in production
 * (its actions wait for the destination's load).
 */
function remotePlugin(factory: Factory, definition: AnyDefinition, settings: Record<string, unknown>) {
  return {
    name: factory.pluginName,
    creationName: factory.pluginName,
    libraryName: `${definition.name}Destination`,
    url: `https://cdn.segment.com/next-integrations/actions/not-fetched/${encodeURIComponent(definition.name)}.js`,
    settings: { ...settings, subscriptions: subscriptionsOf(definition) }
  }
}

/** Woopra Web's remote plugin for the set-up: all its presets, the page preset only, or none. */
function woopraWebPlugins(project: string) {
  if (setup === 'cloud') return []
  const plugin = remotePlugin(woopraWebFactory, woopraWeb as AnyDefinition, { domain: project })
  if (setup === 'split') {
    const { subscriptions } = plugin.settings
    plugin.settings.subscriptions = subscriptions.filter(
      (subscription) => subscription.partnerAction === 'trackPageView'
    )
  }
  return [plugin]
}

async function loadAnalytics(): Promise<Analytics> {
  const apiHost = `${location.host}/v1`
  const protocol = location.protocol === 'https:' ? 'https' : 'http'
  const project = config.project ?? 'example.com'
  const woopraWebPlugin = woopraWebPlugins(project)
  const [analytics] = await AnalyticsBrowser.load(
    {
      writeKey: config.writeKey,
      plugins: [...(woopraWebPlugin.length > 0 ? [woopraWebFactory] : []), woopraPluginsFactory],
      cdnSettings: {
        integrations: { 'Segment.io': { apiKey: config.writeKey, apiHost, protocol } },
        remotePlugins: [...woopraWebPlugin, remotePlugin(woopraPluginsFactory, woopraPlugins as AnyDefinition, {})],
        metrics: { sampleRate: 0 }
      } as unknown as Parameters<typeof AnalyticsBrowser.load>[0]['cdnSettings']
    },
    { integrations: { 'Segment.io': { apiHost, protocol } } }
  )
  return analytics
}

// ---------------------------------------------------------------------------------------------------------------
// The record of each event.

/** The stand-in's own record of the calls it was asked to make, else the page's record of the real tracker's. */
function standinRecord(): StandinRecord | undefined {
  const globals = window as unknown as { woopraStandin?: StandinRecord; woopraPageRecord?: StandinRecord }
  return globals.woopraStandin ?? globals.woopraPageRecord
}

/** The tracker methods a destination calls (the stub's list); config only counts when it sets something. */
const TRACKER_METHODS = ['call', 'cancelAction', 'config', 'identify', 'push', 'track', 'trackClick', 'trackForm']

/**
 * With Woopra's real script, records the calls made on the live tracker as the stand-in records its own: w.js
 * assigns each tracker it creates to `window.woopra` before it replays the stub's queue, so an accessor there sees
 * the live tracker first and wraps its methods. The stub (it has a queue, `_e`) is left alone.
 */
function recordRealTrackerCalls(): void {
  const record: StandinRecord = { calls: [], requests: [] }
  ;(window as unknown as { woopraPageRecord: StandinRecord }).woopraPageRecord = record
  const wrapped = new WeakSet<object>()
  let current: unknown = (window as unknown as { woopra?: unknown }).woopra
  Object.defineProperty(window, 'woopra', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (tracker: unknown) => {
      current = tracker
      if (typeof tracker !== 'object' || tracker === null || '_e' in tracker || wrapped.has(tracker)) return
      wrapped.add(tracker)
      const methods = tracker as Record<string, unknown>
      for (const method of TRACKER_METHODS) {
        const original = methods[method]
        if (typeof original !== 'function') continue
        methods[method] = function (this: unknown, ...args: unknown[]) {
          const setter = method !== 'config' || args.length > 1 || typeof args[0] === 'object'
          if (setter) record.calls.push({ instance: 'woopra', method, args: jsonValues(args), fromQueue: false })
          return (original as (...a: unknown[]) => unknown).apply(this, args)
        }
      }
    }
  })
}

function jsonValues(args: unknown[]): unknown[] {
  try {
    return JSON.parse(
      JSON.stringify(args, (_key, value: unknown) => (typeof value === 'function' ? '[function]' : value))
    ) as unknown[]
  } catch {
    return args.map(String)
  }
}

/** How many calls the snippet's stubs queued: w.js leaves each stub registered in `__woo` (or `_w`) with its queue. */
function queuedOnStub(): number | undefined {
  const globals = window as unknown as { __woo?: unknown; _w?: unknown }
  const registry = (globals.__woo ?? globals._w) as Record<string, { _e?: unknown } | undefined> | undefined
  if (!registry) return undefined
  const queues = Object.values(registry).map((stub) => stub?._e)
  return queues.reduce<number>((total, queue) => total + (Array.isArray(queue) ? queue.length : 0), 0)
}

function trackerPosition(): { calls: number; requests: number } {
  const record = standinRecord()
  return { calls: record?.calls.length ?? 0, requests: record?.requests.length ?? 0 }
}

function trackerSince(position: { calls: number; requests: number }) {
  const record = standinRecord()
  return {
    trackerCalls: record?.calls.slice(position.calls) ?? [],
    trackerRequests: record?.requests.slice(position.requests) ?? []
  }
}

async function fire(
  analytics: Analytics,
  kind: EventKind,
  input: Record<string, unknown>,
  options: JSONObject = {}
): Promise<FiredEvent> {
  const before = trackerPosition()
  let ctx: Context
  let title: string
  const str = (value: unknown) => (typeof value === 'string' ? value : undefined)
  const obj = (value: unknown) => (typeof value === 'object' && value !== null ? (value as JSONObject) : {})
  if (kind === 'page') {
    title = [str(input.category), str(input.name)].filter(Boolean).join(' ') || '(unnamed page)'
    ctx = await analytics.page(str(input.category) ?? null, str(input.name) ?? null, obj(input.properties), options)
  } else if (kind === 'identify') {
    title = str(input.userId) ?? '(anonymous)'
    ctx = await analytics.identify(str(input.userId) ?? null, obj(input.traits), options)
  } else {
    title = str(input.event) ?? ''
    ctx = await analytics.track(title, obj(input.properties), options)
  }
  const fired: FiredEvent = {
    kind,
    title,
    messageId: ctx.event.messageId,
    timestamp: ctx.event.timestamp instanceof Date ? ctx.event.timestamp.toISOString() : String(ctx.event.timestamp),
    ...trackerSince(before),
    cloudRequests: []
  }
  state.events.unshift(fired)
  return fired
}

/** A parameter of a built Woopra request: in its query, or in its JSON body when it was too long for a URL. */
function requestParam(request: BuiltRequest, name: string): string | undefined {
  const fromQuery = new URL(request.url).searchParams.get(name)
  if (fromQuery !== null) return fromQuery
  try {
    const value = (JSON.parse(request.body) as Record<string, unknown>)[name]
    return value === undefined ? undefined : String(value)
  } catch {
    return undefined
  }
}

/** Whether a built request is of the kind the event would produce: a page view, an identify, or that track event. */
function sameKind(request: BuiltRequest, fired: FiredEvent): boolean {
  const endpoint = new URL(request.url).pathname
  const event = requestParam(request, 'event')
  if (fired.kind === 'identify') return endpoint.endsWith('/identify')
  if (fired.kind === 'page') return endpoint.endsWith('/ce') && event === 'pv'
  return fired.kind === 'track' && endpoint.endsWith('/ce') && event === fired.title
}

/**
 * The event a Woopra request the cloud destination built belongs to. The server's log does not link them, and /v1
 * corrects each timestamp for clock skew (receivedAt - (sentAt - timestamp)), which on one machine moves it later by
 * the time the post took: so, the latest event of the same kind fired at or up to 10 s before the request's timestamp.
 */
function eventOf(request: BuiltRequest): FiredEvent | undefined {
  const timestamp = Number(requestParam(request, 'timestamp'))
  let best: FiredEvent | undefined
  let bestGap = Infinity
  for (const fired of state.events) {
    if (fired.timestamp === undefined || !sameKind(request, fired)) continue
    const gap = timestamp - Date.parse(fired.timestamp)
    if (gap >= -5 && gap < 10000 && gap < bestGap) {
      best = fired
      bestGap = gap
    }
  }
  return best
}

const unmatched: BuiltRequest[] = []

/** Files each new entry of /dev/requests: a built request under its event, an outcome on its event. */
function fileEntries(entries: RecentEntry[]): void {
  for (const entry of entries) {
    if (entry.kind === 'request') unmatched.push(entry)
    else {
      const fired = state.events.find((candidate) => candidate.messageId === entry.messageId)
      if (fired) fired.outcome = entry
    }
  }
  for (const request of [...unmatched]) {
    const fired = eventOf(request)
    if (!fired) continue
    fired.cloudRequests.push(request)
    unmatched.splice(unmatched.indexOf(request), 1)
  }
}

const cloudPoller = createCloudPoller(async (since) => {
  const response = await fetch(`/dev/requests?since=${since}`)
  if (!response.ok) return undefined
  return (await response.json()) as { entries: RecentEntry[]; next: number }
}, fileEntries)
state.polls = cloudPoller.counts

async function pollCloud(): Promise<void> {
  try {
    await cloudPoller.poll()
  } catch {
    // The server is gone or restarting: the next poll tries again.
  } finally {
    refreshAll()
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering.

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string | undefined)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value)
  for (const child of children) if (child !== undefined) element.append(child)
  return element
}

/** Text with every occurrence of `needle` marked. */
function marked(text: string, needle: string | undefined): Node {
  const span = el('span')
  if (!needle) {
    span.textContent = text
    return span
  }
  const parts = text.split(needle)
  parts.forEach((part, index) => {
    span.append(part)
    if (index < parts.length - 1) span.append(el('mark', {}, needle))
  })
  return span
}

function currentCookie(): string | undefined {
  return /(?:^|;\s*)wooTracker=([^;]*)/.exec(document.cookie)?.[1]
}

function formatCall(call: StandinCall): string {
  const args = call.args.map((arg) => JSON.stringify(arg, null, 1).replace(/\n\s*/g, ' ')).join(', ')
  return `${call.instance}.${call.method}(${args})`
}

function trackerCell(fired: FiredEvent): HTMLElement {
  const cell = el('div', { class: 'cell tracker' })
  if (state.tracker === 'failed') {
    cell.append(el('p', { class: 'empty' }, "Woopra's script did not load: the tracker was asked nothing."))
  } else if (fired.trackerCalls.length === 0) {
    cell.append(el('p', { class: 'empty' }, 'No call.'))
  }
  const cookie = currentCookie()
  if (fired.kind === 'load') {
    const replays = fired.trackerCalls.filter((call) => call.fromQueue).length
    const note = usesStandin()
      ? `${calls(fired.queuedCalls ?? replays)} queued on the snippet's stub. When it started, w.js replayed the ` +
        `config calls among them before it wrote the cookie, then the whole queue 1 ms later, as Woopra's w.js does ` +
        `(${replays} replays in all).`
      : "The calls Woopra's w.js made on the live tracker as it started, replaying the snippet's queue."
    cell.append(
      el('p', { class: 'note' }, note),
      el('pre', { class: 'calls' }, fired.trackerCalls.map(formatCall).join('\n'))
    )
    return cell
  }
  for (const call of fired.trackerCalls) cell.append(el('div', { class: 'call' }, marked(formatCall(call), cookie)))
  for (const request of fired.trackerRequests) {
    const url = new URL(request.url)
    cell.append(
      el('div', { class: 'endpoint small' }, `w.js would send GET ${url.origin}${url.pathname}`),
      paramsTable(url.searchParams, cookie)
    )
  }
  if (!usesStandin() && fired.trackerCalls.length > 0) {
    cell.append(el('p', { class: 'note' }, "Woopra's w.js sent these itself: see DevTools → Network → woopra.com."))
  }
  return cell
}

function calls(count: number): string {
  return count === 1 ? '1 call was' : `${count} calls were`
}

function usesStandin(): boolean {
  return (window as unknown as { woopraStandin?: unknown }).woopraStandin !== undefined
}

function paramsTable(params: URLSearchParams, cookie: string | undefined): HTMLElement {
  const table = el('table', { class: 'params' })
  for (const [name, value] of params)
    table.append(el('tr', {}, el('td', {}, name), el('td', {}, marked(value, cookie))))
  return table
}

function v1Cell(fired: FiredEvent): HTMLElement {
  const cell = el('div', { class: 'cell v1' })
  const sent = fired.messageId ? v1Posts.get(fired.messageId) : undefined
  if (fired.kind === 'load') return cell
  if (!sent) {
    cell.append(el('p', { class: 'empty' }, 'Not posted yet.'))
    return cell
  }
  const integrations = sent.body.integrations as { Woopra?: { cookie?: string } } | undefined
  const cookie = integrations?.Woopra?.cookie
  cell.append(
    el('div', { class: 'request' }, el('div', { class: 'endpoint' }, `POST ${sent.path} → ${sent.status ?? '…'}`)),
    el(
      'p',
      { class: `outcome ${cookie ? 'ok' : 'bad'}` },
      cookie ? 'integrations.Woopra.cookie = ' : 'No integrations.Woopra.cookie',
      cookie ? el('mark', {}, cookie) : ''
    ),
    el('pre', {}, marked(JSON.stringify(sent.body, null, 2), cookie))
  )
  return cell
}

function cloudCell(fired: FiredEvent): HTMLElement {
  const cell = el('div', { class: 'cell cloud' })
  if (fired.kind === 'load') return cell
  const cookie = currentCookie()
  for (const request of fired.cloudRequests) {
    const url = new URL(request.url)
    const table = paramsTable(url.searchParams, cookie)
    const userAgent = request.headers['user-agent']
    if (userAgent) table.append(el('tr', {}, el('td', {}, 'User-Agent'), el('td', {}, userAgent)))
    cell.append(
      el(
        'div',
        { class: 'request' },
        el('div', { class: 'endpoint' }, `${request.method} ${url.origin}${url.pathname}`)
      ),
      table
    )
    if (request.body) cell.append(el('pre', {}, marked(request.body, cookie)))
  }
  const outcome = fired.outcome
  if (outcome) {
    const bad = outcome.msg !== 'event' && outcome.msg !== 'event skipped'
    const detail = [outcome.msg, outcome.action, outcome.endpoint, outcome.status, outcome.reason]
    cell.append(el('p', { class: `outcome ${bad ? 'bad' : 'ok'}` }, detail.filter((part) => part != null).join(' · ')))
  }
  if (fired.cloudRequests.length === 0 && !outcome) {
    const why = config.dryRun ? 'Waiting for the delivery…' : 'Shown in dry run only (WOOPRA_DRY_RUN=1).'
    cell.append(el('p', { class: 'empty' }, why))
  }
  return cell
}

/** An event both the tracker and the cloud destination sent to Woopra: counted twice there. */
function reachedWoopraTwice(fired: FiredEvent): boolean {
  return fired.kind !== 'load' && fired.trackerRequests.length > 0 && fired.cloudRequests.length > 0
}

function render(fired: FiredEvent): HTMLElement {
  const label = fired.kind === 'load' ? 'load' : fired.kind
  const card = el(
    'article',
    { class: 'event', 'data-kind': fired.kind, ...(fired.messageId ? { 'data-message-id': fired.messageId } : {}) },
    el(
      'div',
      { class: 'head' },
      el('span', { class: `kind ${label}` }, label),
      el('b', {}, fired.title),
      el('span', { class: 'meta' }, fired.messageId ?? ''),
      ...(reachedWoopraTwice(fired) ? [el('span', { class: 'pill bad twice' }, 'reached Woopra twice: tracker and cloud')] : []) // prettier-ignore
    ),
    fired.kind === 'load'
      ? el('div', { class: 'columns' }, trackerCell(fired))
      : el('div', { class: 'columns' }, trackerCell(fired), v1Cell(fired), cloudCell(fired))
  )
  return card
}

function refreshAll(): void {
  const list = document.getElementById('events')
  if (!list) return
  for (const fired of [...state.events].reverse()) {
    const sent = fired.messageId ? v1Posts.get(fired.messageId) : undefined
    const drawn = JSON.stringify([fired.cloudRequests.length, fired.outcome?.seq, sent?.status, currentCookie()])
    if (fired.card && fired.drawn === drawn) continue
    const card = render(fired)
    if (fired.card) fired.card.replaceWith(card)
    else if (fired.kind === 'load') list.append(card)
    else list.prepend(card)
    fired.card = card
    fired.drawn = drawn
  }
  refreshStatus()
}

function setPill(id: string, text: string, tone: 'ok' | 'warn' | 'bad' | '' = ''): void {
  const pill = document.getElementById(id)
  if (!pill) return
  pill.textContent = text
  pill.className = `pill ${tone}`
}

function refreshStatus(): void {
  const server = config.dryRun ? 'dry run' : 'sends to Woopra'
  setPill(
    'status-server',
    `server: ${server} · project ${config.project ?? 'none (/v1 refuses events)'}`,
    config.project ? 'ok' : 'bad'
  )
  state.tracker = trackerState()
  const source = trackerSource === 'real' ? "Woopra's w.js" : 'stand-in'
  if (state.error) setPill('status-tracker', `error: ${state.error}`, 'bad')
  else if (state.tracker === 'loaded') setPill('status-tracker', `tracker: ${source} loaded`, 'ok')
  else if (state.tracker === 'failed')
    setPill('status-tracker', `tracker: ${source} failed to load (blocked or offline)`, 'bad')
  else setPill('status-tracker', `tracker: ${source} loading…`, 'warn')
  const cookie = cookieStatus(currentCookie(), state.tracker)
  setPill('status-cookie', cookie.text, cookie.tone)
}

// ---------------------------------------------------------------------------------------------------------------
// Start.

/** The JSON object in a text area, or the reason there is none. */
function jsonObjectIn(input: HTMLTextAreaElement, what: string): { value?: JSONObject; problem?: string } {
  let parsed: unknown
  try {
    parsed = JSON.parse(input.value)
  } catch (problem) {
    return { problem: `The ${what} are not valid JSON: ${(problem as Error).message}` }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { problem: `Give the ${what} as a JSON object.` }
  }
  return { value: parsed as JSONObject }
}

function setUpForms(analytics: Analytics): void {
  for (const kind of Object.keys(EXAMPLES) as EventKind[]) {
    const form = document.getElementById(`form-${kind}`) as HTMLFormElement
    const input = document.getElementById(`json-${kind}`) as HTMLTextAreaElement
    const optionsInput = document.getElementById(`options-${kind}`) as HTMLTextAreaElement
    const error = document.getElementById(`error-${kind}`) as HTMLElement
    const button = document.getElementById(`send-${kind}`) as HTMLButtonElement
    input.value = JSON.stringify(EXAMPLES[kind], null, 2)
    form.addEventListener('submit', (submitted) => {
      submitted.preventDefault()
      const event = jsonObjectIn(input, 'event fields')
      const options = jsonObjectIn(optionsInput, 'options')
      error.textContent = event.problem ?? options.problem ?? ''
      if (!event.value || !options.value) return
      button.disabled = true
      fire(analytics, kind, event.value, options.value)
        .then(refreshAll, (problem: Error) => {
          error.textContent = problem.message
        })
        .finally(() => {
          button.disabled = false
        })
    })
  }
}

/** A select that reloads the page with its value as the query parameter `param`. */
function reloadOnChange(id: string, param: string, value: string): void {
  const select = document.getElementById(id) as HTMLSelectElement
  select.value = value
  select.addEventListener('change', () => {
    const url = new URL(location.href)
    url.searchParams.set(param, select.value)
    location.assign(url.toString())
  })
}

async function start(): Promise<void> {
  reloadOnChange('tracker-source', 'tracker', trackerSource)
  reloadOnChange('setup', 'setup', setup)
  if (trackerSource === 'standin') answerWoopraScriptWithStandin()
  else recordRealTrackerCalls()
  recordV1Posts()
  refreshStatus()
  const analytics = await loadAnalytics()
  setUpForms(analytics)
  state.analyticsReady = true
  // The tracker's load (its queued configuration) as the first card, once it has started.
  const started = setInterval(() => {
    if (trackerState() !== 'loaded') return refreshStatus()
    clearInterval(started)
    const title = 'Woopra Web (Actions) started the tracker'
    const since = trackerSince({ calls: 0, requests: 0 })
    state.events.push({ kind: 'load', title, ...since, queuedCalls: queuedOnStub(), cloudRequests: [] })
    state.ready = true
    refreshAll()
  }, 50)
  setInterval(() => void pollCloud(), POLL_MS)
}

start().catch((error: Error) => {
  state.error = error.message
  refreshStatus()
})
