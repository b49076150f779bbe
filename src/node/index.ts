import { AsyncLocalStorage } from 'async_hooks'
import type { Analytics, Context, Plugin } from '@segment/analytics-node'
import { withCookie } from './add-cookie'
import { DEFAULT_COOKIE_NAME, readWoopraCookie } from './cookie-header'
import type { RequestWithHeaders } from './cookie-header'

// The Node helper: joins a backend's @segment/analytics-node calls to the visitor of the browser that made the
// request, by adding the request's Woopra cookie as `integrations.Woopra.cookie` (what Woopra (Actions) sends as
// `cookie`). Imports nothing at run time but Node's async_hooks: analytics-node only as types.

export { DEFAULT_COOKIE_NAME, parseCookie, readWoopraCookie } from './cookie-header'
export type { RequestWithHeaders } from './cookie-header'
export type { WithIntegrations } from './add-cookie'

export interface WoopraCookieOptions {
  /** The name of Woopra's cookie (the tracker's `cookie_name` option); `wooTracker` unless set. */
  cookieName?: string
}

/** The request being handled: its Woopra cookie, read once when the handling starts. */
const requestCookie = new AsyncLocalStorage<{ cookie: string | undefined }>()

/**
 * Runs `handler` with the request's Woopra cookie available to every analytics call made while it runs, including
 * after `await`s and in callbacks it schedules, and returns what `handler` returns.
 */
export function withWoopraCookie<T>(
  request: RequestWithHeaders,
  handler: () => T,
  options: WoopraCookieOptions = {}
): T {
  return requestCookie.run({ cookie: readWoopraCookie(request, options.cookieName ?? DEFAULT_COOKIE_NAME) }, handler)
}

/**
 * Connect-style middleware (Express; Fastify's `preHandler` hook): `withWoopraCookie` around `next`. Register it after
 * any body parser: a parser calls `next` from the request stream's events, which run outside the request's store.
 */
export function woopraCookieMiddleware(options: WoopraCookieOptions = {}) {
  return (request: RequestWithHeaders, _response: unknown, next: () => void): void => {
    withWoopraCookie(request, () => next(), options)
  }
}

/**
 * `call` with the request's Woopra cookie as `integrations.Woopra.cookie`, for code that builds its own calls (or
 * events). `source` is the request, or the cookie itself; without one, the request being handled (`withWoopraCookie`).
 * Returns a copy; `call` is returned unchanged when the call switched Woopra off, already carries a cookie, or there is
 * no cookie to add.
 */
export function addWoopraCookie<T extends object>(
  call: T,
  source?: RequestWithHeaders | string,
  options: WoopraCookieOptions = {}
): T {
  const cookie =
    source === undefined
      ? requestCookie.getStore()?.cookie
      : typeof source === 'string'
      ? source
      : readWoopraCookie(source, options.cookieName ?? DEFAULT_COOKIE_NAME)
  return withCookie(call, cookie)
}

/**
 * An analytics-node plugin (an enrichment) that adds the Woopra cookie of the request being handled to every call
 * made within `withWoopraCookie` (or its middleware). Register it once: `await analytics.register(woopraCookiePlugin())`.
 *
 * The cookie is taken when the call is made (analytics-core's `dispatch_start`, emitted synchronously by `track()`,
 * `identify()`, ...) and applied when the plugin runs, after any `before` plugin. analytics-node 3.1.0 runs a call's
 * plugins in the async context of the call itself, but a queue (a retry, a flush started by another call) would run
 * them in another request's context, where the store holds that request's cookie. Should a later analytics-node stop
 * emitting `dispatch_start`, the plugin reads the store when it runs.
 */
export function woopraCookiePlugin(): Plugin {
  const cookieOfCall = new WeakMap<Context, string | undefined>()
  const enrich = (ctx: Context): Context => {
    const cookie = cookieOfCall.has(ctx) ? cookieOfCall.get(ctx) : requestCookie.getStore()?.cookie
    ctx.event = withCookie(ctx.event, cookie)
    return ctx
  }
  let loaded = false
  return {
    name: 'Woopra Cookie',
    type: 'enrichment',
    version: '1.0.0',
    isLoaded: () => loaded,
    load: (_ctx: Context, analytics: Analytics) => {
      // `dispatch_start` is emitted by analytics-core but missing from analytics-node's typed list of events.
      const emitter = analytics as unknown as { on(event: string, listener: (ctx: Context) => void): void }
      emitter.on('dispatch_start', (ctx) => cookieOfCall.set(ctx, requestCookie.getStore()?.cookie))
      loaded = true
      return Promise.resolve()
    },
    track: enrich,
    identify: enrich,
    page: enrich,
    screen: enrich,
    group: enrich,
    alias: enrich
  }
}
