import fs from 'fs'
import http from 'http'
import path from 'path'
import type { AddressInfo } from 'net'
import type { JSONObject } from '@segment/actions-core'
import { bundle } from '../../src/server/page/bundles'
import { destination as woopraWeb } from '../../src/browser-destinations/woopra-web/src'
import { destination as woopraPlugins } from '../../src/browser-destinations/woopra-plugins/src'

/*
 * A customer's site and Segment's CDN on one 127.0.0.1 server, for the browser tests: a page with a snippet that
 * buffers calls until analytics-next has loaded (the package's own browser build, from node_modules), the source's
 * settings at /v1/projects/<write key>/settings listing Woopra's web packages as remote plugins (bundled from the
 * sources as the CDN serves them), and, for a web source the cloud destination is not connected to, a /v1 of its own.
 * The page's snippet sets `analytics._cdn` to this server, as a site that proxies Segment's CDN does; analytics-next
 * then fetches the settings and the remote plugins (their URLs name https://cdn.segment.com) from here.
 */

const ANALYTICS_BUILD = path.dirname(require.resolve('@segment/analytics-next/dist/umd/index.js'))
const PROJECT = 'example.com'

/** The Woopra set-ups of a web source, by the write key of the source. */
export interface Setup {
  /** Woopra Web (Actions) presets enabled on the source (none: Woopra Web is not on it). */
  woopraWebPresets: string[]
  /** Woopra (Actions) is connected to the web source: its cookie plugin runs, and /v1 events reach the cloud. */
  cloudOnWebSource: boolean
}

export const SETUPS: Record<string, Setup> = {
  /** (a) the browser tracker for the web source; the cloud destination for server sources only. */
  tracker: { woopraWebPresets: ['Page Calls', 'Identify Calls', 'Track Calls'], cloudOnWebSource: false },
  /** (b) the cloud destination only, with its cookie plugin on the web source. */
  cloud: { woopraWebPresets: [], cloudOnWebSource: true },
  /** (c) the tracker for page views (and Woopra's own automatic tracking), the cloud for identify and track. */
  split: { woopraWebPresets: ['Page Calls'], cloudOnWebSource: true },
  /** Both destinations with all their presets on one web source: the defaults. */
  both: { woopraWebPresets: ['Page Calls', 'Identify Calls', 'Track Calls'], cloudOnWebSource: true }
}

/** The subscriptions Segment makes of a definition's presets when they are enabled. */
function presetSubscriptions(definition: typeof woopraWeb, names: string[]) {
  return (definition.presets ?? [])
    .filter((preset) => names.includes(preset.name ?? ''))
    .map((preset) => ({
      partnerAction: preset.partnerAction,
      name: preset.name as string,
      enabled: true,
      subscribe: (preset as { subscribe: string }).subscribe,
      mapping: preset.mapping
    }))
}

function remotePlugin(folder: string, name: string, settings: Record<string, unknown>) {
  return {
    name,
    creationName: name,
    libraryName: `${folder}Destination`,
    url: `https://cdn.segment.com/next-integrations/actions/${folder}/0123456789abcdef.js`,
    settings
  }
}

/** The source's settings as Segment's CDN answers them, /v1 events going to `apiHost` (host:port/v1). */
export function cdnSettings(writeKey: string, setup: Setup, apiHost: string) {
  const remotePlugins = []
  if (setup.woopraWebPresets.length > 0) {
    const subscriptions = presetSubscriptions(woopraWeb, setup.woopraWebPresets)
    remotePlugins.push(remotePlugin('woopra-web', woopraWeb.name, { domain: PROJECT, subscriptions }))
  }
  if (setup.cloudOnWebSource) {
    const { woopraCookie } = woopraPlugins.actions
    const subscriptions = [
      { partnerAction: 'woopraCookie', name: woopraCookie.title, enabled: true, subscribe: woopraCookie.defaultSubscription, mapping: {} } // prettier-ignore
    ]
    remotePlugins.push(remotePlugin('woopra-plugins', woopraPlugins.name, { subscriptions }))
  }
  return {
    integrations: { 'Segment.io': { apiKey: writeKey, apiHost, protocol: 'http' } },
    plan: { track: { __default: { enabled: true } } },
    remotePlugins,
    metrics: { sampleRate: 0 }
  }
}

/** The customer's page: a snippet that buffers calls (a page call first, as Segment's snippet makes) and loads analytics-next. */
function sitePage(writeKey: string, origin: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Pricing</title>
<script>
  (function () {
    var analytics = (window.analytics = [])
    ;['page', 'identify', 'track', 'group', 'alias', 'ready', 'on', 'once', 'off', 'reset', 'debug', 'setAnonymousId', 'addSourceMiddleware', 'register'].forEach(function (method) {
      analytics[method] = function () {
        analytics.push([method].concat(Array.prototype.slice.call(arguments)))
        return analytics
      }
    })
    analytics._writeKey = ${JSON.stringify(writeKey)}
    analytics._cdn = ${JSON.stringify(origin)}
    window.site = { ready: false }
    var script = document.createElement('script')
    script.async = true
    script.src = ${JSON.stringify(`${origin}/analytics-next/bundles/index.js`)}
    script.onload = function () {
      window.AnalyticsNext.AnalyticsBrowser.standalone(analytics._writeKey).then(function (loaded) {
        window.analytics = loaded
        window.site.ready = true
      })
    }
    document.head.appendChild(script)
    analytics.page('Docs', 'Pricing', { plan: 'pro' })
  })()
</script>
</head><body><h1>Pricing</h1></body></html>`
}

export interface SiteAndCdn {
  origin: string
  /** Bodies posted to the site's own /v1 (a web source without the cloud destination). */
  ownV1: JSONObject[]
  /** The local server (host:port) whose /v1 stands for Segment's, for sources with the cloud destination. */
  actionsHost: string
  close(): Promise<void>
}

/** Starts the site and CDN (set `actionsHost` before a page loads). */
export async function startSiteAndCdn(): Promise<SiteAndCdn> {
  const ownV1: JSONObject[] = []
  const listening: { site?: SiteAndCdn } = {}
  const server = http.createServer((req, res) => {
    void answer(req, res, listening.site as SiteAndCdn).catch((error: Error) => {
      res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(String(error?.message ?? error))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const site: SiteAndCdn = {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ownV1,
    actionsHost: '',
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
  listening.site = site
  return site
}

async function answer(req: http.IncomingMessage, res: http.ServerResponse, site: SiteAndCdn): Promise<void> {
  const { origin, actionsHost, ownV1 } = site
  const { pathname } = new URL(req.url ?? '/', origin)
  const send = (type: string, body: string | Buffer) => {
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' })
    res.end(body)
  }
  let match: RegExpExecArray | null
  if ((match = /^\/setup\/(\w+)$/.exec(pathname)) && SETUPS[match[1]]) {
    return send('text/html', sitePage(match[1], origin))
  }
  if ((match = /^\/v1\/projects\/(\w+)\/settings$/.exec(pathname)) && SETUPS[match[1]]) {
    const setup = SETUPS[match[1]]
    const apiHost = setup.cloudOnWebSource ? `${actionsHost}/v1` : `${new URL(origin).host}/v1`
    return send('application/json', JSON.stringify(cdnSettings(match[1], setup, apiHost)))
  }
  if ((match = /^\/analytics-next\/bundles\/([\w.-]+\.js)$/.exec(pathname))) {
    return send('text/javascript', fs.readFileSync(path.join(ANALYTICS_BUILD, match[1])))
  }
  if ((match = /^\/next-integrations\/actions\/(woopra-web|woopra-plugins)\/\w+\.js$/.exec(pathname))) {
    return send('text/javascript', await bundle(match[1] === 'woopra-web' ? 'cdnWoopraWeb' : 'cdnWoopraPlugins'))
  }
  if (req.method === 'POST' && pathname.startsWith('/v1/')) {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    ownV1.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as JSONObject)
    return send('application/json', '{"success":true}')
  }
  res.writeHead(404, { 'content-type': 'text/plain' })
  res.end('not found')
}
