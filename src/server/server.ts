import http from 'http'
import type { AddressInfo } from 'net'
import type { DestinationDefinition } from '@segment/actions-core'
import woopra from '../destinations/woopra'
import type { Settings as WoopraSettings } from '../destinations/woopra/generated-types'
import { createContext } from './context'
import type { ServerContext } from './context'
import { ACTIONS_TESTER_ORIGINS, answerPreflight, applyCors, isPreflight, LOOPBACK_NAMES } from './cors'
import { HttpError, readJsonBody, sendJson } from './http-io'
import { INGEST_ROUTES, Ingestion } from './ingest-routes'
import type { IngestOptions } from './ingest-routes'
import { jsonLineLogger, redactReason, safeLogger } from './log'
import type { Logger } from './log'
import { actionErrorBody, authenticate, manifest, refreshAccessToken, runAction, unknownAction } from './serve-routes'
import { createDevPage, PAGE_ROUTES } from './page'

export const DEFAULT_PORT = 3000
/** The actions CLI's `serve` listens on loopback only; so does this server. */
export const DEFAULT_HOST = '127.0.0.1'
/** How long `close()` waits for requests in flight and for accepted events to be delivered. */
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
  /** Browser origins allowed besides the server's own (default: the Actions Tester's, as the CLI's `serve`). */
  corsOrigins?: readonly string[]
  /** How long close() waits for requests in flight, then for accepted `/v1` events to be delivered (default 10 s). */
  shutdownTimeoutMs?: number
  /** Background delivery of `/v1` events: concurrency, queue bound, retries, dead-letter file. */
  delivery?: IngestOptions
}

export interface ActionsServer {
  readonly httpServer: http.Server
  /** The routes served, as `METHOD /path`. */
  readonly routes: string[]
  /** Starts listening (port 0 picks a free one) and resolves with the base URL, e.g. `http://127.0.0.1:3000`. */
  listen(port?: number, host?: string): Promise<string>
  /**
   * Stops accepting (new requests on open connections get 503), lets requests in flight finish, then waits for the
   * accepted `/v1` events to be delivered, each within the shutdown timeout; resolves with how many were not.
   */
  close(): Promise<{ undelivered: number }>
  /** How many requests are being handled. */
  inFlight(): number
  /** How many accepted `/v1` events are not delivered yet. */
  pendingEvents(): number
}

type Route =
  | { kind: 'manifest' }
  | { kind: 'authenticate' }
  | { kind: 'refreshAccessToken' }
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
  if (path === '/refreshAccessToken') return expect('POST', { kind: 'refreshAccessToken' })
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
    'POST /refreshAccessToken',
    ...Object.keys(ctx.definition.actions).map((key) => `POST /${key}`),
    ...INGEST_ROUTES.map((path) => `POST ${path}`),
    // The development page and the data it reads (its scripts are parts of the page, not listed).
    ...Object.keys(PAGE_ROUTES)
      .filter((path) => ['page', 'recent'].includes(PAGE_ROUTES[path]))
      .map((path) => `GET ${path}`)
  ]
}

/** The body of an error answer, in the shape each kind of route answers in. */
function errorBody(route: Route['kind'] | undefined, error: HttpError): unknown {
  switch (route) {
    case 'action':
      return actionErrorBody(error)
    case 'authenticate':
      return { ok: false, error: error.message, fields: error.fields ?? {} }
    case 'refreshAccessToken':
      return { ok: false, error: error.message }
    case 'ingest':
      return { success: false, error: error.message }
    default:
      return { error: error.message }
  }
}

/** Segment's browser library posts as text/plain to spare a CORS preflight; its HTTP API takes that too. */
const INGEST_ALSO_ACCEPTED = ['text/plain']

/** What the server knows of itself once listening: the Host values and origins that name it. */
interface Self {
  hosts: Set<string>
  origins: string[]
}

/** The Host values (`name:port`) and origins (`http://name:port`) that name a server listening on `port`. */
function selfOf(port: number, host: string): Self {
  const names = new Set([...LOOPBACK_NAMES, host.includes(':') ? `[${host}]` : host])
  const hosts = new Set<string>()
  const origins: string[] = []
  for (const name of names) {
    hosts.add(`${name}:${port}`)
    if (port === 80) hosts.add(name)
    origins.push(`http://${name}:${port}`)
  }
  return { hosts, origins }
}

/**
 * Refuses a request not addressed to this server by one of its loopback names (DNS rebinding: a web page whose name
 * resolves to 127.0.0.1 sends its own name as Host).
 */
function checkHost(self: Self, req: http.IncomingMessage): void {
  const host = (req.headers.host ?? '').toLowerCase()
  if (!self.hosts.has(host)) {
    throw new HttpError(
      403,
      `This server answers requests addressed to ${[...self.hosts].join(', ')} only, not to "${
        req.headers.host ?? ''
      }".`,
      { logMessage: 'The Host header does not name this server.' }
    )
  }
}

/** Refuses a browser request that writes (any route but the manifest) from an origin not allowed. */
function checkOrigin<S>(ctx: ServerContext<S>, req: http.IncomingMessage, route: Route): void {
  const origin = req.headers.origin
  if (route.kind !== 'manifest' && origin !== undefined && !ctx.corsOrigins.includes(origin)) {
    throw new HttpError(
      403,
      `Requests from pages at ${origin} are refused: only the Actions Tester and this server's own pages may call it.`,
      { logMessage: 'The Origin is not allowed.' }
    )
  }
}

interface ServerState<S> {
  ctx: ServerContext<S>
  ingestion: Ingestion<S>
  self?: Self
  closing: boolean
}

async function answer<S>(state: ServerState<S>, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const { ctx, ingestion } = state
  const method = req.method ?? 'GET'
  // As Express does by default, a trailing slash names the same route.
  const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/(.)\/$/, '$1')
  let route: Route | undefined
  try {
    if (state.self) checkHost(state.self, req)
    applyCors(req, res, ctx.corsOrigins)
    if (isPreflight(req)) return answerPreflight(req, res, ctx.corsOrigins)
    route = resolveRoute(ctx, method, path)
    checkOrigin(ctx, req, route)
    if (state.closing) throw new HttpError(503, 'The server is stopping.', { headers: { connection: 'close' } })
    switch (route.kind) {
      case 'manifest':
        return sendJson(res, 200, manifest(ctx))
      case 'authenticate':
        return sendJson(res, 200, await authenticate(ctx, await readJsonBody(req)))
      case 'refreshAccessToken': {
        const refreshed = await refreshAccessToken(ctx, await readJsonBody(req))
        return sendJson(res, refreshed.status, refreshed.body)
      }
      case 'action':
        return sendJson(res, 200, await runAction(ctx, route.actionKey, await readJsonBody(req)))
      case 'ingest': {
        const limit = ingestion.bodyLimit(route.path)
        const body = await readJsonBody(req, { alsoAccepted: INGEST_ALSO_ACCEPTED, limit })
        return sendJson(res, 200, ingestion.accept(route.path, body, req.headers.authorization))
      }
    }
  } catch (error) {
    if (error instanceof HttpError) {
      ctx.log({ level: 'warn', msg: 'request refused', method, path, status: error.status, error: error.logMessage })
      return sendJson(res, error.status, errorBody(route?.kind, error), error.headers)
    }
    const message = (error as Error)?.message ?? String(error)
    const stack = typeof (error as Error)?.stack === 'string' ? (error as Error).stack?.split('\n').slice(1, 8) : []
    ctx.log({ level: 'error', msg: 'request failed', method, path, error: redactReason(message), stack })
    if (res.headersSent) return void res.destroy()
    sendJson(res, 500, { error: `The server failed on this request: ${message}` })
  }
}

/** Creates the server; call `listen()` to start it. */
export function createActionsServer<S = WoopraSettings>(options: ActionsServerOptions<S> = {}): ActionsServer {
  const devPage = createDevPage() // GET /: the development page (src/server/page)
  const ctx = createContext<S>({
    definition: options.destination ?? (woopra as unknown as DestinationDefinition<S>),
    directoryName: options.directoryName ?? 'woopra',
    log: devPage.recordLog(safeLogger(options.log ?? jsonLineLogger())),
    onDryRunRequest: devPage.recordDryRun,
    dryRun: options.dryRun ?? false,
    logPayloads: options.logPayloads ?? false,
    ingestSettings: options.settings,
    writeKey: options.writeKey,
    corsOrigins: options.corsOrigins ?? ACTIONS_TESTER_ORIGINS
  })
  const state: ServerState<S> = { ctx, ingestion: new Ingestion(ctx, options.delivery), closing: false }
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS
  const inFlight = new Set<http.ServerResponse>()
  let closed: Promise<{ undelivered: number }> | undefined

  const httpServer = http.createServer((req, res) => {
    inFlight.add(res)
    res.once('close', () => {
      inFlight.delete(res)
      // Once closing, a connection whose request is answered is idle: end it so that close() can complete.
      if (state.closing) httpServer.closeIdleConnections()
    })
    if (state.closing) res.setHeader('connection', 'close')
    void (devPage.handles(req) ? devPage.answer(ctx, req, res) : answer(state, req, res))
  })

  /** Stops taking connections and waits (bounded) for the requests in flight to be answered. */
  const closeHttp = () =>
    new Promise<void>((resolve, reject) => {
      for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close')
      const force = setTimeout(() => httpServer.closeAllConnections(), shutdownTimeoutMs)
      force.unref()
      httpServer.close((error) => {
        clearTimeout(force)
        // Not listening (never started) is as good as closed.
        if (error && (error as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(error)
        else resolve()
      })
      httpServer.closeIdleConnections()
    })

  return {
    httpServer,
    routes: routeList(ctx),
    inFlight: () => inFlight.size,
    pendingEvents: () => state.ingestion.pending,
    listen(port = DEFAULT_PORT, host = DEFAULT_HOST) {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject)
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject)
          const address = httpServer.address() as AddressInfo
          state.self = selfOf(address.port, host)
          for (const origin of state.self.origins) if (!ctx.corsOrigins.includes(origin)) ctx.corsOrigins.push(origin)
          resolve(`http://${host.includes(':') ? `[${host}]` : host}:${address.port}`)
        })
      })
    },
    close() {
      state.closing = true
      closed ??= closeHttp().then(() => state.ingestion.drain(shutdownTimeoutMs))
      return closed.then(({ undelivered }) => ({ undelivered }))
    }
  }
}
