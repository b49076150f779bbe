import http from 'http'
import type { AddressInfo } from 'net'
import type { DestinationDefinition } from '@segment/actions-core'
import woopra from '../destinations/woopra'
import type { Settings as WoopraSettings } from '../destinations/woopra/generated-types'
import { createContext } from './context'
import type { ServerContext } from './context'
import { ACTIONS_TESTER_ORIGINS, answerPreflight, applyCors, isPreflight } from './cors'
import { HttpError, readJsonBody, sendJson } from './http-io'
import { INGEST_ROUTES, ingest } from './ingest-routes'
import { jsonLineLogger } from './log'
import type { Logger } from './log'
import { actionErrorBody, authenticate, manifest, runAction, unknownAction } from './serve-routes'
import { createDevPage } from './page'

export const DEFAULT_PORT = 3000
/** The actions CLI's `serve` listens on loopback only; so does this server. */
export const DEFAULT_HOST = '127.0.0.1'
/** How long `close()` waits for requests in flight before it cuts their connections. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10000

export interface ActionsServerOptions<S> {
  /** The destination to serve; Woopra (Actions) by default. */
  destination?: DestinationDefinition<S>
  /** Its folder name, reported by `/manifest`; `woopra` by default. */
  directoryName?: string
  /** The settings `/v1/*` events are delivered with (for Woopra: `{ project }`); without them `/v1/*` refuses events. */
  settings?: S
  /** When set, `/v1/*` requests must carry this write key. */
  writeKey?: string
  /** Send nothing: log each request that would be sent and answer it locally with a 200. */
  dryRun?: boolean
  /** Put the event and the full request URLs in event log lines (they hold personal data). */
  logPayloads?: boolean
  log?: Logger
  corsOrigins?: readonly string[]
  shutdownTimeoutMs?: number
}

export interface ActionsServer {
  readonly httpServer: http.Server
  /** The routes served, as `METHOD /path`. */
  readonly routes: string[]
  /** Starts listening (port 0 picks a free one) and resolves with the base URL, e.g. `http://127.0.0.1:3000`. */
  listen(port?: number, host?: string): Promise<string>
  /** Stops accepting connections, lets requests in flight finish, then resolves. */
  close(): Promise<void>
  /** How many requests are being handled. */
  inFlight(): number
}

type Route =
  | { kind: 'manifest' }
  | { kind: 'authenticate' }
  | { kind: 'action'; actionKey: string }
  | { kind: 'ingest'; path: string }

/** Which route a method and path name, or the HttpError that answers them. */
function resolveRoute<S>(ctx: ServerContext<S>, method: string, path: string): Route {
  const expect = (allowed: string, route: Route): Route => {
    if (method !== allowed) throw new HttpError(405, `${path} takes ${allowed} only.`, { headers: { allow: allowed } })
    return route
  }
  if (path === '/manifest') return expect('GET', { kind: 'manifest' })
  if (path === '/authenticate') return expect('POST', { kind: 'authenticate' })
  if (INGEST_ROUTES.includes(path)) return expect('POST', { kind: 'ingest', path })
  const actionKey = /^\/([^/]+)$/.exec(path)?.[1]
  if (actionKey !== undefined && Object.prototype.hasOwnProperty.call(ctx.definition.actions, actionKey)) {
    return expect('POST', { kind: 'action', actionKey })
  }
  if (method === 'POST' && actionKey !== undefined) throw unknownAction(ctx, actionKey)
  throw new HttpError(404, `Nothing is served at ${method} ${path}. Routes: ${routeList(ctx).join(', ')}.`)
}

function routeList<S>(ctx: ServerContext<S>): string[] {
  return [
    'GET /manifest',
    'POST /authenticate',
    ...Object.keys(ctx.definition.actions).map((key) => `POST /${key}`),
    ...INGEST_ROUTES.map((path) => `POST ${path}`)
  ]
}

/** The body of an error answer, in the shape each kind of route answers in. */
function errorBody(route: Route['kind'] | undefined, error: HttpError): unknown {
  switch (route) {
    case 'action':
      return actionErrorBody(error)
    case 'authenticate':
      return { ok: false, error: error.message, fields: error.fields ?? {} }
    case 'ingest':
      return { success: false, error: error.message }
    default:
      return { error: error.message }
  }
}

/** Segment's browser library posts as text/plain to spare a CORS preflight; its HTTP API takes that too. */
const INGEST_ALSO_ACCEPTED = ['text/plain']

async function answer<S>(ctx: ServerContext<S>, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  applyCors(req, res, ctx.corsOrigins)
  if (isPreflight(req)) return answerPreflight(req, res, ctx.corsOrigins)

  const method = req.method ?? 'GET'
  // As Express does by default, a trailing slash names the same route.
  const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/(.)\/$/, '$1')
  let route: Route | undefined
  try {
    route = resolveRoute(ctx, method, path)
    switch (route.kind) {
      case 'manifest':
        return sendJson(res, 200, manifest(ctx))
      case 'authenticate':
        return sendJson(res, 200, await authenticate(ctx, await readJsonBody(req)))
      case 'action':
        return sendJson(res, 200, await runAction(ctx, route.actionKey, await readJsonBody(req)))
      case 'ingest': {
        const body = await readJsonBody(req, INGEST_ALSO_ACCEPTED)
        return sendJson(res, 200, await ingest(ctx, route.path, body, req.headers.authorization))
      }
    }
  } catch (error) {
    if (error instanceof HttpError) {
      ctx.log({ level: 'warn', msg: 'request refused', method, path, status: error.status, error: error.logMessage })
      return sendJson(res, error.status, errorBody(route?.kind, error), error.headers)
    }
    ctx.log({ level: 'error', msg: 'request failed', method, path, error: (error as Error)?.stack ?? String(error) })
    if (res.headersSent) return void res.destroy()
    sendJson(res, 500, { error: `The server failed on this request: ${(error as Error)?.message ?? String(error)}` })
  }
}

/** Creates the server; call `listen()` to start it. */
export function createActionsServer<S = WoopraSettings>(options: ActionsServerOptions<S> = {}): ActionsServer {
  const devPage = createDevPage() // GET /: the development page (src/server/page)
  const ctx = createContext<S>({
    definition: options.destination ?? (woopra as unknown as DestinationDefinition<S>),
    directoryName: options.directoryName ?? 'woopra',
    log: devPage.recordLog(options.log ?? jsonLineLogger()),
    dryRun: options.dryRun ?? false,
    logPayloads: options.logPayloads ?? false,
    ingestSettings: options.settings,
    writeKey: options.writeKey,
    corsOrigins: options.corsOrigins ?? ACTIONS_TESTER_ORIGINS
  })
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS
  const inFlight = new Set<http.ServerResponse>()
  let closing: Promise<void> | undefined

  const httpServer = http.createServer((req, res) => {
    inFlight.add(res)
    res.once('close', () => {
      inFlight.delete(res)
      // Once closing, a connection whose request is answered is idle: end it so that close() can complete.
      if (closing) httpServer.closeIdleConnections()
    })
    if (closing) res.setHeader('connection', 'close')
    void (devPage.handles(req) ? devPage.answer(ctx, req, res) : answer(ctx, req, res))
  })

  return {
    httpServer,
    routes: routeList(ctx),
    inFlight: () => inFlight.size,
    listen(port = DEFAULT_PORT, host = DEFAULT_HOST) {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject)
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject)
          const address = httpServer.address() as AddressInfo
          resolve(`http://${host}:${address.port}`)
        })
      })
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close')
        const force = setTimeout(() => httpServer.closeAllConnections(), shutdownTimeoutMs)
        force.unref()
        httpServer.close((error) => {
          clearTimeout(force)
          if (error) reject(error)
          else resolve()
        })
        httpServer.closeIdleConnections()
      })
      return closing
    }
  }
}
