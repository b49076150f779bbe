import http from 'http'
import type { AddressInfo } from 'net'

// A local HTTP server on 127.0.0.1 that answers every request as Woopra's tracking endpoint does (200 with a short
// script body), with keep-alive. It counts what it receives, so that the runner can check that every path sent
// exactly one request per event, and it can record requests to compare what the paths put on the wire.

export interface SinkRequest {
  method: string
  host: string
  url: string
  userAgent: string
  body: string
}

export interface Sink {
  port: number
  /** Requests received since the last reset, by `host path` (no query). */
  counts(): Record<string, number>
  total(): number
  /** Start (or stop) keeping every request, with its URL and body. */
  record(on: boolean): void
  recorded(): SinkRequest[]
  reset(): void
  close(): Promise<void>
}

const BODY = 'woopra.loaded();\n'

/** `delayMs`: answer each request that long after it arrived, as a remote API does (0: at once). */
export async function startSink(delayMs = 0): Promise<Sink> {
  let counts: Record<string, number> = {}
  let total = 0
  let recording = false
  let recorded: SinkRequest[] = []

  const server = http.createServer((req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '')
    const url = req.url ?? '/'
    const query = url.indexOf('?')
    const key = `${req.method} ${host}${query === -1 ? url : url.slice(0, query)}`
    counts[key] = (counts[key] ?? 0) + 1
    total++
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      if (recording) {
        recorded.push({
          method: req.method ?? '',
          host,
          url,
          userAgent: String(req.headers['user-agent'] ?? ''),
          body: Buffer.concat(chunks).toString('utf8')
        })
      }
      const answer = () => {
        res.writeHead(200, {
          'content-type': 'text/javascript; charset=UTF-8',
          'content-length': Buffer.byteLength(BODY),
          'cache-control': 'no-cache'
        })
        res.end(BODY)
      }
      if (delayMs > 0) setTimeout(answer, delayMs)
      else answer()
    })
  })
  // Children sit idle while the others run; keep their connections open across repetitions.
  server.keepAliveTimeout = 120_000
  server.headersTimeout = 125_000

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    port,
    counts: () => ({ ...counts }),
    total: () => total,
    record(on) {
      recording = on
    },
    recorded: () => recorded,
    reset() {
      counts = {}
      total = 0
      recorded = []
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
