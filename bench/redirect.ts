import http from 'http'
import https from 'https'
import type { ClientRequest, IncomingMessage, RequestOptions } from 'http'

// One redirect for every path: inside a bench process, requests that any client makes to the hosts below through
// Node's `https` (node-fetch, under actions-core's cross-fetch, calls `https.request` looked up at call time; the
// woopra SDK calls `https.get`) or `http` go instead to the local sink over plain HTTP, with one keep-alive agent.
// The path, query, method, headers and body are kept; the Host header names the original host.

export const REDIRECTED_HOSTS = ['www.woopra.com', 'verifi.podscribe.com', 'tags.srv.stackadapt.com']

type Callback = (res: IncomingMessage) => void
type RequestFunction = (...args: unknown[]) => ClientRequest

interface Normalized {
  options: RequestOptions & { href?: string }
  callback?: Callback
}

/** The (url | options)[, options][, callback] forms that http.request and https.request accept, as one object. */
function normalize(args: unknown[]): Normalized {
  let options: RequestOptions = {}
  let callback: Callback | undefined
  for (const arg of args) {
    if (typeof arg === 'function') callback = arg as Callback
    else if (typeof arg === 'string' || arg instanceof URL) {
      const url = typeof arg === 'string' ? new URL(arg) : arg
      options = {
        ...options,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port,
        path: url.pathname + url.search
      }
    } else if (arg && typeof arg === 'object') options = { ...options, ...(arg as RequestOptions) }
  }
  return { options, callback }
}

function hostOf(options: RequestOptions): string {
  return (options.hostname ?? options.host ?? '').replace(/:\d+$/, '')
}

export interface Redirect {
  /** Requests redirected so far, by original host. */
  counts: Record<string, number>
  agent: http.Agent
  uninstall(): void
}

export function installRedirect(port: number, hosts: readonly string[] = REDIRECTED_HOSTS, maxSockets = 1): Redirect {
  const targets = new Set(hosts)
  const agent = new http.Agent({ keepAlive: true, maxSockets, keepAliveMsecs: 60_000 })
  const counts: Record<string, number> = {}
  const originals = {
    httpRequest: http.request,
    httpGet: http.get,
    httpsRequest: https.request,
    httpsGet: https.get
  }
  const sendToSink = originals.httpRequest

  const wrap = (original: RequestFunction, endRequest: boolean): RequestFunction =>
    function (this: unknown, ...args: unknown[]) {
      const { options, callback } = normalize(args)
      const host = hostOf(options)
      if (!targets.has(host)) return original.apply(this, args)
      counts[host] = (counts[host] ?? 0) + 1
      const headers: Record<string, unknown> = {}
      for (const [name, value] of Object.entries(options.headers ?? {})) {
        if (name.toLowerCase() !== 'host') headers[name] = value
      }
      headers.host = host
      const req = sendToSink(
        {
          host: '127.0.0.1',
          port,
          method: options.method ?? 'GET',
          path: options.path ?? '/',
          headers: headers as http.OutgoingHttpHeaders,
          agent
        },
        callback
      )
      if (endRequest) req.end()
      return req
    }

  http.request = wrap(originals.httpRequest as RequestFunction, false) as typeof http.request
  http.get = wrap(originals.httpGet as RequestFunction, true) as typeof http.get
  https.request = wrap(originals.httpsRequest as RequestFunction, false) as typeof https.request
  https.get = wrap(originals.httpsGet as RequestFunction, true) as typeof https.get

  return {
    counts,
    agent,
    uninstall() {
      http.request = originals.httpRequest
      http.get = originals.httpGet
      https.request = originals.httpsRequest
      https.get = originals.httpsGet
      agent.destroy()
    }
  }
}
