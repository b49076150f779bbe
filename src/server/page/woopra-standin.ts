/*
 * A local stand-in for Woopra's tracker script (`https://static.woopra.com/w.js`), for the development page and the
 * real-browser test: the real script cannot be fetched offline. On load it does what the real one does (see
 * shared/reference/woopra-browser-tracker.md §2.1): for every instance registered by the snippet in `window.__woo`
 * (or the legacy `window._w`) it creates a tracker that replaces `window[name]`, replays the queued `config` calls,
 * sets up the `wooTracker` cookie, replays every other queued call 1 ms later, and sets `loaded`. Calls on a stub
 * held after that replay are lost, as with the real tracker.
 *
 * It sends nothing. It records every call it is asked to make in `window.woopraStandin.calls`, and the Woopra
 * request the real tracker would send for `track` and `push` in `window.woopraStandin.requests`.
 */

export interface StandinCall {
  instance: string
  method: string
  /** The arguments as JSON values (functions become the text `[function]`, dates ISO text). */
  args: unknown[]
  /** Whether the call was replayed from the stub's queue when the script loaded. */
  fromQueue: boolean
}

export interface StandinRequest {
  instance: string
  /** `ce` for `track`, `identify` for `push`. */
  endpoint: string
  /** The Woopra request the real tracker would send (its main parameters). */
  url: string
}

export interface StandinRecord {
  calls: StandinCall[]
  requests: StandinRequest[]
}

type QueuedCall = unknown[]
type Registry = Record<string, { _e?: QueuedCall[] } | undefined>

interface StandinWindow {
  __woo?: Registry
  _w?: Registry
  WoopraTracker?: unknown
  WoopraLoadScript?: unknown
  woopraTracker?: unknown
  woopraStandin?: StandinRecord
}

const standinWindow = window as unknown as StandinWindow & Record<string, unknown>
const record: StandinRecord = standinWindow.woopraStandin ?? { calls: [], requests: [] }
standinWindow.woopraStandin = record

const COOKIE_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const CROSS_DOMAIN_PARAM = '__woopraid'

function randomCookie(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12))
  return Array.from(bytes, (byte) => COOKIE_CHARS[byte % COOKIE_CHARS.length]).join('')
}

function hostnameWithoutWww(): string {
  return location.hostname.replace(/^www\./, '')
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The arguments as JSON values, so that the record can be read from outside the page. */
function snapshot(args: unknown[]): unknown[] {
  const text = JSON.stringify(args, (_key, value: unknown) => (typeof value === 'function' ? '[function]' : value))
  return JSON.parse(text) as unknown[]
}

/** Woopra's parameter encoding: objects as JSON text, nothing for undefined, null and the texts 'undefined'/'null'. */
function addParams(params: URLSearchParams, data: Record<string, unknown>, prefix: string): void {
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined || value === null || value === 'undefined' || value === 'null') continue
    params.append(prefix + key, typeof value === 'object' ? JSON.stringify(value) : String(value))
  }
}

class StandinTracker {
  readonly version = 11
  readonly instanceName: string
  loaded = false
  cookie = ''
  private readonly options: Record<string, unknown> = {
    app: 'js-client',
    use_cookies: true,
    idle_timeout: 300000,
    download_tracking: false,
    outgoing_tracking: false,
    outgoing_ignore_subdomain: true,
    click_tracking: false,
    ignore_query_url: false,
    hide_campaign: false,
    save_url_hash: true,
    cookie_name: 'wooTracker',
    cookie_domain: '.' + hostnameWithoutWww(),
    cookie_path: '/',
    cookie_expire: new Date(Date.now() + 730 * 24 * 3600 * 1000)
  }
  private readonly visitorData: Record<string, unknown> = {}
  private readonly sessionData: Record<string, unknown> = {}
  private replaying = false

  constructor(instanceName: string) {
    this.instanceName = instanceName
    // As the real tracker's constructor does: from now on `window[name]` is the live tracker, not the stub.
    standinWindow[instanceName] = this
  }

  init(): void {
    this.replayQueue('config')
    this.setupCookie()
    setTimeout(() => this.replayQueue(), 1)
    this.loaded = true
    const initialized = this.options.initialized
    if (typeof initialized === 'function') (initialized as (name: string) => void)(this.instanceName)
  }

  config(...args: unknown[]): unknown {
    this.record('config', args)
    const [key, value] = args
    if (key === undefined) return this.options
    if (typeof key === 'string' && value === undefined) return this.options[key]
    if (isObject(key)) {
      for (const [name, option] of Object.entries(key)) if (option !== undefined) this.options[name] = option
    } else if (typeof key === 'string') {
      this.options[key] = value
    }
    // After load, every setter rewrites the cookie (and refreshes its expiry), as the real tracker does.
    if (this.loaded) this.setupCookie()
    return this
  }

  identify(...args: unknown[]): unknown {
    this.record('identify', args)
    return this.setData(this.visitorData, args[0], args[1])
  }

  visit(...args: unknown[]): unknown {
    this.record('visit', args)
    return this.setData(this.sessionData, args[0], args[1])
  }

  track(...args: unknown[]): this {
    this.record('track', args)
    const [name, properties] = args
    const last = args[args.length - 1]
    const callback = typeof last === 'function' ? last : isObject(last) ? last.callback : undefined
    let eventName = 'pv'
    let eventData: Record<string, unknown> = {}
    if (typeof name === 'string') {
      eventName = name
      if (isObject(properties)) eventData = { ...properties }
    } else if (isObject(name)) {
      eventName = name.name === 'pv' ? 'pv' : ''
      eventData = { ...name }
    }
    if (eventName === 'pv') {
      eventData.url ??= this.options.ignore_query_url ? location.pathname : location.pathname + location.search
      eventData.title ??= document.title
      eventData.domain ??= location.hostname
      eventData.uri ??= location.href
    }
    this.send('ce', eventName, eventData, callback)
    return this
  }

  push(...args: unknown[]): this {
    this.record('push', args)
    this.send('identify', undefined, {}, args[0])
    return this
  }

  call(method: unknown, ...args: unknown[]): this {
    this.record('call', [method, ...args])
    const target = typeof method === 'string' ? (this as unknown as Record<string, unknown>)[method] : undefined
    if (typeof target === 'function') (target as (...a: unknown[]) => unknown).apply(this, args)
    return this
  }

  trackClick(...args: unknown[]): this {
    this.record('trackClick', args)
    return this
  }

  trackForm(...args: unknown[]): this {
    this.record('trackForm', args)
    return this
  }

  update(...args: unknown[]): this {
    this.record('update', args)
    return this
  }

  cancelAction(...args: unknown[]): this {
    this.record('cancelAction', args)
    return this
  }

  getCookie(): string | null {
    const name = encodeURIComponent(String(this.options.cookie_name))
    const entry = document.cookie.split(/;\s*/).find((pair) => pair.startsWith(name + '='))
    return entry === undefined ? null : decodeURIComponent(entry.slice(name.length + 1))
  }

  reset(): this {
    this.record('reset', [])
    this.writeCookie(randomCookie())
    return this
  }

  decorate(url: string): string {
    const decorated = new URL(url, location.href)
    decorated.searchParams.set(CROSS_DOMAIN_PARAM, this.cookie)
    return decorated.toString()
  }

  undecorate(url: string): string {
    const undecorated = new URL(url, location.href)
    undecorated.searchParams.delete(CROSS_DOMAIN_PARAM)
    return undecorated.toString()
  }

  dispose(): void {
    this.record('dispose', [])
    delete standinWindow[this.instanceName]
  }

  /** Replays the calls queued on the snippet's stub, or only those of one method. */
  private replayQueue(only?: string): void {
    const registry = standinWindow._w ?? standinWindow.__woo
    const queue = registry?.[this.instanceName]?._e ?? []
    for (const entry of queue) {
      if (!Array.isArray(entry) || (only !== undefined && entry[0] !== only)) continue
      const method = (this as unknown as Record<string, unknown>)[String(entry[0])]
      if (typeof method !== 'function') continue
      this.replaying = true
      try {
        ;(method as (...a: unknown[]) => unknown).apply(this, entry.slice(1))
      } finally {
        this.replaying = false
      }
    }
  }

  private setupCookie(): void {
    const fromUrl = new URLSearchParams(location.search).get(CROSS_DOMAIN_PARAM)
    this.writeCookie(fromUrl || this.getCookie() || randomCookie())
  }

  private writeCookie(value: string): void {
    this.cookie = value
    const expire = this.options.cookie_expire
    const parts = [`${encodeURIComponent(String(this.options.cookie_name))}=${encodeURIComponent(value)}`]
    if (expire instanceof Date) parts.push(`expires=${expire.toUTCString()}`)
    if (this.options.cookie_domain) parts.push(`domain=${String(this.options.cookie_domain)}`)
    if (this.options.cookie_path) parts.push(`path=${String(this.options.cookie_path)}`)
    if (location.protocol === 'https:') parts.push('secure')
    document.cookie = parts.join('; ')
  }

  private setData(store: Record<string, unknown>, key: unknown, value: unknown): unknown {
    if (key === undefined) return store
    if (typeof key === 'string' && value === undefined) return store[key]
    if (isObject(key)) Object.assign(store, key)
    else if (typeof key === 'string') store[key] = value
    return this
  }

  /** Records the request the real tracker would send, and answers its callback as a successful send would. */
  private send(endpoint: string, eventName: string | undefined, eventData: Record<string, unknown>, callback: unknown) {
    const params = new URLSearchParams()
    params.set('project', String(this.options.domain ?? hostnameWithoutWww()))
    params.set('instance', this.instanceName)
    params.set('app', String(this.options.app))
    if (this.options.use_cookies) params.set('cookie', this.cookie)
    params.set('timeout', String(this.options.idle_timeout))
    if (eventName !== undefined) params.set('event', eventName)
    addParams(params, this.visitorData, 'cv_')
    addParams(params, eventData, 'ce_')
    addParams(params, this.sessionData, 'cs_')
    record.requests.push({
      instance: this.instanceName,
      endpoint,
      url: `https://www.woopra.com/track/${endpoint}/?${params.toString()}`
    })
    if (typeof callback === 'function') setTimeout(() => (callback as () => void)(), 0)
  }

  private record(method: string, args: unknown[]): void {
    record.calls.push({
      instance: this.instanceName,
      method,
      args: snapshot(args),
      fromQueue: this.replaying
    })
  }
}

/** What w.js does when it runs: one live tracker per name the snippet registered. */
function start(): void {
  standinWindow.WoopraTracker = StandinTracker
  standinWindow.WoopraLoadScript = (src: string, callback?: () => void) => {
    const script = document.createElement('script')
    script.src = src
    script.async = true
    if (callback) script.onload = callback
    document.head.appendChild(script)
  }
  const registry = standinWindow.__woo ?? standinWindow._w
  if (!registry) return
  for (const name of Object.keys(registry)) {
    const tracker = new StandinTracker(name)
    tracker.init()
    standinWindow.woopraTracker ??= tracker
  }
}

start()
