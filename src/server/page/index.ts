import type { IncomingMessage, ServerResponse } from 'http'
import type { DryRunRequest } from '../../delivery'
import { LOOPBACK_NAMES } from '../cors'
import type { Logger } from '../log'
import { bundle } from './bundles'
import type { BundleName } from './bundles'
import { pageHtml } from './html'
import type { PageConfig } from './html'
import { RecentDeliveries } from './recent-deliveries'

/*
 * The development page (`GET /`): fire page, identify and track events from a real browser through
 * @segment/analytics-next and both Woopra web packages, and see side by side what Woopra's browser tracker was asked
 * to do and the Woopra request the cloud destination built for the same event from `/v1`.
 *
 * Its routes answer only requests addressed to the server's own loopback origin: the page reads the Woopra requests
 * dry run kept (they hold event data), so another site, or a DNS name rebound to 127.0.0.1, must not reach them.
 */

export const PAGE_ROUTES: Record<string, 'page' | BundleName | 'recent'> = {
  '/': 'page',
  '/page/app.js': 'app',
  '/woopra-standin/w.js': 'standin',
  '/dev/requests': 'recent'
}

/** What the page needs to know of the server it is served by. */
export interface PageServerInfo {
  dryRun: boolean
  ingestSettings?: unknown
  writeKey?: string
}

export interface DevPage {
  /** Whether the request is one of the page's routes (GET only). */
  handles(req: IncomingMessage): boolean
  answer(server: PageServerInfo, req: IncomingMessage, res: ServerResponse): Promise<void>
  /** Wraps the server's logger so that the page can show how each event's delivery ended. */
  recordLog(log: Logger): Logger
  /** Keeps a request dry run kept from the network, for the page to show. */
  recordDryRun(request: DryRunRequest): void
}

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer'
}

/** The real tracker loads from static.woopra.com and sends to www.woopra.com; everything else is the server. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' https://static.woopra.com https://www.woopra.com",
  "connect-src 'self' https://www.woopra.com",
  "img-src 'self' data: https://www.woopra.com",
  "style-src 'self' 'unsafe-inline'",
  "frame-ancestors 'none'"
].join('; ')

export function createDevPage(): DevPage {
  const recent = new RecentDeliveries()
  return {
    handles: (req) => req.method === 'GET' && routeOf(req) !== undefined,
    recordLog: (log) => recent.tee(log),
    recordDryRun: (request) => recent.keepRequest(request),
    async answer(server, req, res) {
      const route = routeOf(req)
      const refusal = refuse(req, route === 'recent')
      if (refusal) return send(res, 403, 'text/plain; charset=utf-8', refusal)
      try {
        switch (route) {
          case 'page':
            return send(res, 200, 'text/html; charset=utf-8', pageHtml(pageConfig(server)), {
              'content-security-policy': CONTENT_SECURITY_POLICY
            })
          case 'app':
          case 'standin':
            return send(res, 200, 'text/javascript; charset=utf-8', await bundle(route))
          case 'recent': {
            const since = Number(new URL(req.url ?? '/', 'http://localhost').searchParams.get('since') ?? 0)
            const body = { dryRun: server.dryRun, ...recent.since(Number.isFinite(since) ? since : 0) }
            return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(body))
          }
        }
      } catch (error) {
        send(res, 500, 'text/plain; charset=utf-8', `The page could not be built: ${(error as Error)?.message}`)
      }
    }
  }
}

function routeOf(req: IncomingMessage) {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname
  return Object.prototype.hasOwnProperty.call(PAGE_ROUTES, path) ? PAGE_ROUTES[path] : undefined
}

function pageConfig(server: PageServerInfo): PageConfig {
  const project = (server.ingestSettings as { project?: unknown } | undefined)?.project
  return {
    dryRun: server.dryRun,
    project: typeof project === 'string' ? project : null,
    // A write key is public in every page that loads analytics; the page needs it when the server requires one.
    writeKey: server.writeKey ?? 'woopra-dev-page'
  }
}

/**
 * Why a request may not read the page, or undefined when it may: not from loopback, not addressed to this server by a
 * loopback name, or, for the data route, sent by another site.
 */
function refuse(req: IncomingMessage, holdsData: boolean): string | undefined {
  const remote = req.socket.remoteAddress ?? ''
  if (!/^(127\.|::1$|::ffff:127\.)/.test(remote)) return 'The development page answers loopback clients only.'
  const port = req.socket.localPort
  const own = LOOPBACK_NAMES.map((name) => `${name}:${port}`)
  if (!own.includes((req.headers.host ?? '').toLowerCase())) {
    return `The development page answers requests to http://127.0.0.1:${port}/ or http://localhost:${port}/ only.`
  }
  if (!holdsData) return undefined
  const origin = req.headers.origin
  if (origin !== undefined && origin !== `http://${req.headers.host}`) return 'Cross-origin requests are refused.'
  const site = req.headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return 'Cross-site requests are refused.'
  return undefined
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {}
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...headers,
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(body))
  })
  res.end(body)
}
