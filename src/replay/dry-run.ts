import { AsyncLocalStorage } from 'async_hooks'
import http from 'http'
import https from 'https'
import { Duplex } from 'stream'
import type { DestinationDefinition } from '@segment/actions-core'

/*
 * --dry-run: the destination runs unchanged and its request client writes each request exactly as it would to
 * Woopra, but into an in-memory connection to a local HTTP parser that records it and answers 200. No socket is
 * opened. The agent goes in through the definition's `extendRequest` (actions-core passes `agent` on to Node's http
 * client), on a copy of the definition. Which event a request belongs to is known from the async context of the
 * delivery that made it (`runAs`).
 */

export interface InterceptedRequest<T> {
  /** What runAs() was given for the delivery that made this request. */
  context?: T
  method: string
  url: string
  headers: Record<string, string>
  body: string
}

/** Two streams joined back to back: what one side writes, the other reads. */
function connectedPair(): [Duplex, Duplex] {
  const sides: Duplex[] = []
  const side = (peer: () => Duplex) =>
    new Duplex({
      read() {
        // Data arrives when the peer writes.
      },
      write(chunk: Buffer, _encoding, callback) {
        peer().push(chunk)
        callback()
      },
      final(callback) {
        peer().push(null)
        callback()
      },
      destroy(error, callback) {
        peer().push(null)
        callback(error)
      }
    })
  sides.push(
    side(() => sides[1]),
    side(() => sides[0])
  )
  return [sides[0], sides[1]]
}

/** An agent whose every connection is an in-memory pipe, handed to `onConnection` (for http: and https: URLs). */
class InMemoryAgent extends https.Agent {
  constructor(private readonly onConnection: (serverSide: Duplex) => void) {
    super()
    // Node checks a URL's scheme against an agent's only when the agent names one.
    ;(this as { protocol?: string }).protocol = undefined
  }

  createConnection(): Duplex {
    const [client, server] = connectedPair()
    this.onConnection(server)
    return client
  }

  destroy(): void {
    // actions-core destroys a request's agent after each answer; this one is shared and holds nothing.
  }
}

export class RequestInterceptor<T> {
  private readonly storage = new AsyncLocalStorage<T>()
  private readonly contexts = new WeakMap<object, T | undefined>()
  private readonly responder: http.Server
  readonly agent: https.Agent

  constructor(onRequest: (request: InterceptedRequest<T>) => void) {
    this.responder = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const headers: Record<string, string> = {}
        for (const [name, value] of Object.entries(req.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
        }
        onRequest({
          context: this.contexts.get(req.socket),
          method: req.method ?? 'GET',
          url: `https://${req.headers.host ?? ''}${req.url ?? '/'}`,
          headers,
          body: Buffer.concat(chunks).toString('utf8')
        })
        const body = 'Dry run: not sent.'
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(body)) })
        res.end(body)
      })
    })
    this.agent = new InMemoryAgent((serverSide) => {
      this.contexts.set(serverSide, this.storage.getStore())
      this.responder.emit('connection', serverSide)
    })
  }

  /** Runs `work` so that the requests it makes are reported with `context`. */
  runAs<R>(context: T, work: () => R): R {
    return this.storage.run(context, work)
  }

  /** A copy of `definition` whose every request goes to this interceptor. */
  wrap<S>(definition: DestinationDefinition<S>): DestinationDefinition<S> {
    const extendRequest = definition.extendRequest
    return { ...definition, extendRequest: (data) => ({ ...(extendRequest?.(data) ?? {}), agent: this.agent }) }
  }
}
