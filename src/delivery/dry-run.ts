import { AsyncLocalStorage } from 'async_hooks'
import http from 'http'
import https from 'https'
import { Duplex } from 'stream'
import type { DestinationDefinition } from '@segment/actions-core'

/*
 * Dry run (the server's and the replay's): the destination runs unchanged and its request client builds and writes
 * every request exactly as it would for the real API, but the connection it writes to is an in-memory pipe to a local
 * HTTP parser that records the request and answers 200. Nothing opens a network socket.
 *
 * Why this way: actions-core's request client has no pluggable fetch, but it passes the documented `agent` request
 * option through to Node's http client, and a destination's `extendRequest` is the public way to add request options.
 * `wrap` returns a copy of the definition whose `extendRequest` adds this agent; the definition itself is not
 * modified, and nothing is patched globally. What is recorded is what would be on the wire: method, URL, headers (the
 * client's defaults included, nothing redacted) and body. Which job a request belongs to is known from the async
 * context of the work that made it (`runAs`).
 */

/** A request that dry run kept from the network. */
export interface DryRunRequest {
  method: string
  url: string
  headers: Record<string, string>
  body: string
}

/** The header every dry-run answer carries, so that an answer can never be mistaken for the real API's. */
export const DRY_RUN_HEADER = 'x-dry-run'

type DryRunSocket = Duplex & { dryRunProtocol?: string; dryRunContext?: unknown }

/** Two connected in-memory streams: what is written to one is read from the other. */
function duplexPair(): [Duplex, Duplex] {
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
  constructor(private readonly onConnection: (serverSide: DryRunSocket) => void) {
    super()
    // Node checks a URL's scheme against the agent's only when the agent declares one; this agent serves both.
    ;(this as { protocol?: string }).protocol = undefined
  }

  createConnection(options: { protocol?: string }): Duplex {
    const [clientSide, serverSide] = duplexPair()
    ;(serverSide as DryRunSocket).dryRunProtocol = options.protocol ?? 'https:'
    this.onConnection(serverSide)
    return clientSide
  }

  // actions-core destroys a request's agent after each response; this one is shared by concurrent requests and its
  // in-memory connections end with their exchange, so there is nothing to destroy.
  destroy(): void {
    // Nothing to release.
  }
}

/** Keeps every request of the definitions it wraps from the network; `T` names the job a request was made for. */
export class DryRun<T = never> {
  private readonly storage = new AsyncLocalStorage<T>()
  private readonly agent: https.Agent

  /** `onRequest` is called with each request kept, and the context of the `runAs` call that made it, if any. */
  constructor(onRequest: (request: DryRunRequest, context: T | undefined) => void) {
    const responder = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const socket = req.socket as DryRunSocket
        const headers: Record<string, string> = {}
        for (const [name, value] of Object.entries(req.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
        }
        onRequest(
          {
            method: req.method ?? 'GET',
            url: `${socket.dryRunProtocol ?? 'https:'}//${req.headers.host ?? ''}${req.url ?? '/'}`,
            headers,
            body: Buffer.concat(chunks).toString('utf8')
          },
          socket.dryRunContext as T | undefined
        )
        const body = JSON.stringify({ dryRun: true, message: 'Dry run: this request was not sent.' })
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          [DRY_RUN_HEADER]: '1'
        })
        res.end(body)
      })
    })
    this.agent = new InMemoryAgent((serverSide) => {
      serverSide.dryRunContext = this.storage.getStore()
      responder.emit('connection', serverSide)
    })
  }

  /** Runs `work` so that the requests it makes are reported with `context`. */
  runAs<R>(context: T, work: () => R): R {
    return this.storage.run(context, work)
  }

  /** A copy of `definition` whose request client sends every request through this dry run. */
  wrap<S>(definition: DestinationDefinition<S>): DestinationDefinition<S> {
    const extendRequest = definition.extendRequest
    const agent = this.agent
    return { ...definition, extendRequest: (data) => ({ ...(extendRequest?.(data) ?? {}), agent }) }
  }
}
