import http from 'http'
import https from 'https'
import { Duplex } from 'stream'
import type { DestinationDefinition } from '@segment/actions-core'
import { redactHeaders } from './exchanges'

/*
 * Dry run: the destination runs unchanged and its request client builds and writes every request exactly as it would
 * for the real API, but the connection it writes to is an in-memory pipe to a local HTTP parser that records the
 * request and answers 200. Nothing opens a network socket.
 *
 * Why here: actions-core's request client has no pluggable fetch, but it passes the documented `agent` request option
 * through to Node's http client, and a destination's `extendRequest` is the public way to add request options. The
 * server builds its Destination from a copy of the definition whose `extendRequest` adds this agent; the definition
 * itself is not modified, and nothing is patched globally. What is recorded is what would be on the wire: method,
 * URL, headers (the client's defaults included) and body.
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

/** An agent whose every connection is an in-memory pipe to `responder`, for both http: and https: URLs. */
class InMemoryAgent extends https.Agent {
  constructor(private readonly responder: http.Server) {
    super()
    // Node checks a URL's scheme against the agent's only when the agent declares one; this agent serves both.
    ;(this as { protocol?: string }).protocol = undefined
  }

  createConnection(options: { protocol?: string }): Duplex {
    const [clientSide, serverSide] = duplexPair()
    ;(serverSide as Duplex & { dryRunProtocol?: string }).dryRunProtocol = options.protocol ?? 'https:'
    this.responder.emit('connection', serverSide)
    return clientSide
  }

  // actions-core destroys a request's agent after each response; this one is shared by concurrent requests and its
  // in-memory connections end with their exchange, so there is nothing to destroy.
  destroy(): void {
    // Nothing to release.
  }
}

/** Creates the dry-run agent; `onRequest` is called with each request it keeps from the network. */
export function createDryRunAgent(onRequest: (request: DryRunRequest) => void): https.Agent {
  const responder = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const protocol = (req.socket as Duplex & { dryRunProtocol?: string }).dryRunProtocol ?? 'https:'
      onRequest({
        method: req.method ?? 'GET',
        url: `${protocol}//${req.headers.host ?? ''}${req.url ?? '/'}`,
        headers: redactHeaders(req.headers),
        body: Buffer.concat(chunks).toString('utf8')
      })
      const body = JSON.stringify({ dryRun: true, message: 'Dry run: this request was not sent.' })
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        [DRY_RUN_HEADER]: '1'
      })
      res.end(body)
    })
  })
  return new InMemoryAgent(responder)
}

/** A copy of `definition` whose request client sends every request through `agent`. */
export function withRequestAgent<S>(
  definition: DestinationDefinition<S>,
  agent: https.Agent
): DestinationDefinition<S> {
  const extendRequest = definition.extendRequest
  return {
    ...definition,
    extendRequest: (data) => ({ ...(extendRequest?.(data) ?? {}), agent })
  }
}
