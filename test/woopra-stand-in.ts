import http from 'http'
import https from 'https'
import type { AddressInfo } from 'net'

// A real HTTP server on 127.0.0.1 standing in for Woopra (or for the host a redirect points to), and a route that
// sends the requests node-fetch makes to a given https host to it over plain HTTP, so that tests see real sockets:
// cut bodies, resets and silences that nock cannot produce. nock's setup lets 127.0.0.1 through.

export interface ReceivedRequest {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: string
}

export interface StandIn {
  port: number
  received: ReceivedRequest[]
  close(): Promise<void>
}

/** Starts a server on 127.0.0.1 (port 0) that records each request, body included, then lets `answer` reply. */
export async function startStandIn(
  answer: (req: http.IncomingMessage, res: http.ServerResponse, received: ReceivedRequest) => void
): Promise<StandIn> {
  const received: ReceivedRequest[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString()
      }
      received.push(request)
      answer(req, res, request)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

type RequestFunction = (...args: unknown[]) => http.ClientRequest

/**
 * Routes `https.request` for the given hosts to local ports over plain HTTP (node-fetch looks `https.request` up at
 * each call, with one options object and no callback). Returns the function that undoes it.
 */
export function routeHttps(routes: Record<string, number>): () => void {
  const original = https.request
  const routed = function (this: unknown, ...args: unknown[]) {
    const options = args[0] as https.RequestOptions
    const port = typeof options === 'object' && options !== null ? routes[options.hostname ?? ''] : undefined
    if (port === undefined) return (original as unknown as RequestFunction).apply(this, args)
    return http.request({ ...options, protocol: 'http:', hostname: '127.0.0.1', host: '127.0.0.1', port, agent: false })
  }
  https.request = routed as unknown as typeof https.request
  return () => {
    https.request = original
  }
}
